"""Fake SMS providers: small HTTP servers on 127.0.0.1 that speak the Orange and Africa's
Talking protocols, for integration tests and benchmarks. Nothing leaves the machine.

    with FakeOrange() as orange:
        orange.fail_next(status=500)
        orange.timeout_next(seconds=1)
        orange.answer_next(201, {"outboundSMSMessageRequest": {...}})
        orange.reject_numbers({"+2250101010101"})
        orange.answer_token_next(401, {"error": "invalid_client"})
        backend = OrangeSMSBackend(api_url=orange.url, **orange.credentials)
        ...
        assert [sms.to for sms in orange.received_unique] == [...]
        assert orange.calls[0].json["outboundSMSMessageRequest"]["address"] == "tel:+225…"
"""

import base64
import json
import re
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote


@dataclass(frozen=True)
class ReceivedSMS:
    to: str  # E.164, as the provider was asked to send it
    text: str
    reference: str = ""  # Orange's clientCorrelator; Africa's Talking has none
    provider_id: str = ""


@dataclass(frozen=True)
class Call:
    """One request that reached the sending endpoint, as the server read it."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        """A form-encoded body's fields (Africa's Talking), each field's first value."""
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int
    body: str = ""
    content_type: str = "application/json"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs
    timeout = 10  # an idle kept-alive connection is dropped after this many seconds
    fake: "FakeSMSProvider"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        reply = self.fake._dispatch(self.path, self.headers, body)
        if reply is None:  # a scripted timeout: hang up without an answer
            self.close_connection = True
            return
        payload = reply.body.encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up first
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean


class FakeSMSProvider:
    """The server, the record of what was accepted, and the scripted failures. Scripted
    failures apply to the sending endpoint only, in the order they were scripted."""

    send_path: re.Pattern[str]

    def __init__(self) -> None:
        self.received: list[ReceivedSMS] = []
        self.requests = 0  # requests that reached the sending endpoint
        self.calls: list[Call] = []  # those requests, in the order they came
        self._lock = threading.Lock()
        self._script: deque[Reply | float] = deque()
        self._rejected: set[str] = set()
        self._closing = threading.Event()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    # --- scripting --------------------------------------------------------------------

    def fail_next(self, status: int = 500, count: int = 1, body: str = "") -> None:
        """The next count sending requests are answered with this status."""
        with self._lock:
            for _ in range(count):
                self._script.append(Reply(status, body or '{"message": "scripted failure"}'))

    def answer_next(
        self,
        status: int,
        data: object = None,
        *,
        body: str = "",
        content_type: str = "application/json",
        count: int = 1,
    ) -> None:
        """The next count sending requests get this answer instead of the provider's own:
        `data` as JSON, or `body` as it is. Nothing is sent."""
        reply = _scripted(status, data, body, content_type)
        with self._lock:
            self._script.extend([reply] * count)

    def heal(self) -> None:
        """Forget the scripted failures and timeouts not yet played: the provider is back."""
        with self._lock:
            self._script.clear()

    def timeout_next(self, count: int = 1, seconds: float = 1.0) -> None:
        """The next count sending requests get no answer: the server waits seconds (more
        than the client's read timeout), then hangs up. Nothing is sent."""
        with self._lock:
            self._script.extend([seconds] * count)

    def reject_numbers(self, numbers: set[str]) -> None:
        """Numbers the network refuses as invalid."""
        with self._lock:
            self._rejected |= set(numbers)

    @property
    def received_unique(self) -> list[ReceivedSMS]:
        return list(self.received)

    # --- life cycle -------------------------------------------------------------------

    def close(self) -> None:
        if self._closing.is_set():
            return
        self._closing.set()  # wakes up the handlers sleeping through a timeout
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "FakeSMSProvider":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- serving ----------------------------------------------------------------------

    def _dispatch(self, path: str, headers: Any, body: bytes) -> Reply | None:
        match = self.send_path.fullmatch(path)
        if match is None:
            return self.handle_other(path, headers, body)
        with self._lock:
            self.requests += 1
            self.calls.append(Call(path, dict(headers.items()), body))
            scripted = self._script.popleft() if self._script else None
        if isinstance(scripted, Reply):
            return scripted
        if scripted is not None:
            self._closing.wait(scripted)
            return None
        return self.handle_send(match, headers, body)

    def _is_rejected(self, number: str) -> bool:
        with self._lock:
            return number in self._rejected

    def _record(self, sms: ReceivedSMS) -> None:
        with self._lock:
            self.received.append(sms)

    def handle_send(self, match: re.Match[str], headers: Any, body: bytes) -> Reply:
        raise NotImplementedError

    def handle_other(self, path: str, headers: Any, body: bytes) -> Reply:
        return Reply(404, '{"message": "not found"}')


def _scripted(status: int, data: object, body: str, content_type: str) -> Reply:
    """A scripted answer: `data` as JSON, or `body` as it is."""
    return Reply(status, json.dumps(data) if data is not None else body, content_type)


def _json(data: object, status: int = 200) -> Reply:
    return Reply(status, json.dumps(data))


class FakeOrange(FakeSMSProvider):
    """OAuth token endpoint and outbound SMS endpoint of the Orange SMS API. A request
    whose clientCorrelator was already accepted is acknowledged again (same resource) but
    not sent twice, as Orange promises: it shows in received, not in received_unique.
    The token endpoint has its own script, played in order on the next token requests."""

    send_path = re.compile(r"/smsmessaging/v1/outbound/(?P<sender>[^/]+)/requests")
    token_path = "/oauth/v3/token"
    credentials = {"client_id": "fake-client", "client_secret": "fake-secret"}

    def __init__(self, token_lifetime: int = 3600) -> None:
        self.token_lifetime = token_lifetime
        self.token_requests = 0  # tokens the fake made itself (scripted answers aside)
        self.token_calls: list[Call] = []  # every request to the token endpoint, in order
        self._token_script: deque[tuple[Reply, str] | float] = deque()
        self._tokens: set[str] = set()
        self._by_correlator: dict[str, str] = {}
        self._unique: list[ReceivedSMS] = []
        super().__init__()

    @property
    def received_unique(self) -> list[ReceivedSMS]:
        with self._lock:
            return list(self._unique)

    def expire_tokens(self) -> None:
        """Every token given so far is refused from now on (with a 401)."""
        with self._lock:
            self._tokens.clear()

    def answer_token_next(
        self,
        status: int,
        data: object = None,
        *,
        body: str = "",
        content_type: str = "application/json",
        count: int = 1,
    ) -> None:
        """The next count token requests get this answer: `data` as JSON, or `body` as it
        is; an access_token in `data` is then honoured by the sending endpoint."""
        reply = _scripted(status, data, body, content_type)
        token = data.get("access_token") if isinstance(data, dict) else None
        granted = token if isinstance(token, str) else ""
        with self._lock:
            self._token_script.extend([(reply, granted)] * count)

    def timeout_token_next(self, count: int = 1, seconds: float = 1.0) -> None:
        """The next count token requests get no answer: the server waits seconds, then
        hangs up (at once with 0, which the client sees as a connection error)."""
        with self._lock:
            self._token_script.extend([seconds] * count)

    def heal(self) -> None:
        """Forget the scripted answers not yet played, the token endpoint's too."""
        super().heal()
        with self._lock:
            self._token_script.clear()

    def _dispatch(self, path: str, headers: Any, body: bytes) -> Reply | None:
        if path != self.token_path:
            return super()._dispatch(path, headers, body)
        with self._lock:
            self.token_calls.append(Call(path, dict(headers.items()), body))
            scripted = self._token_script.popleft() if self._token_script else None
            if isinstance(scripted, tuple) and scripted[1]:
                self._tokens.add(scripted[1])
        if isinstance(scripted, tuple):
            return scripted[0]
        if scripted is not None:
            self._closing.wait(scripted)
            return None
        return self.handle_other(path, headers, body)

    def handle_other(self, path: str, headers: Any, body: bytes) -> Reply:
        if path != self.token_path:
            return super().handle_other(path, headers, body)
        expected = "{client_id}:{client_secret}".format(**self.credentials)
        basic = "Basic " + base64.b64encode(expected.encode()).decode()
        if headers.get("Authorization") != basic:
            return _json({"error": "invalid_client"}, 401)
        if dict(parse_qsl(body.decode())).get("grant_type") != "client_credentials":
            return _json({"error": "unsupported_grant_type"}, 400)
        token = uuid.uuid4().hex
        with self._lock:
            self.token_requests += 1
            self._tokens.add(token)
        # Orange writes the lifetime as a string.
        lifetime = str(self.token_lifetime)
        return _json({"token_type": "Bearer", "access_token": token, "expires_in": lifetime})

    def handle_send(self, match: re.Match[str], headers: Any, body: bytes) -> Reply:
        token = (headers.get("Authorization") or "").removeprefix("Bearer ")
        with self._lock:
            authorised = token in self._tokens
        if not authorised:
            return _json({"code": 42, "message": "Expired credentials"}, 401)
        sender = unquote(match["sender"])
        try:
            request = json.loads(body)["outboundSMSMessageRequest"]
            address = request["address"]
            text = request["outboundSMSTextMessage"]["message"]
            valid = request["senderAddress"] == sender and address.startswith("tel:+")
        except (ValueError, KeyError, TypeError, AttributeError):
            valid = False
        if not valid:
            return _service_error("SVC0002", "Invalid input value for message part %1", "body")
        number = address.removeprefix("tel:")
        if self._is_rejected(number):
            return _service_error(
                "SVC0004", "No valid addresses provided in message part %1", address
            )
        correlator = str(request.get("clientCorrelator") or "")
        with self._lock:
            resource = self._by_correlator.get(correlator) if correlator else None
            first_time = resource is None
            resource = resource or uuid.uuid4().hex
            if correlator:
                self._by_correlator[correlator] = resource
            sms = ReceivedSMS(to=number, text=text, reference=correlator, provider_id=resource)
            self.received.append(sms)
            if first_time:
                self._unique.append(sms)
        request["resourceURL"] = f"{self.url}{match.group(0)}/{resource}"
        return _json({"outboundSMSMessageRequest": request}, 201)


def _service_error(message_id: str, text: str, variable: str) -> Reply:
    exception = {"messageId": message_id, "text": text, "variables": [variable]}
    return _json({"requestError": {"serviceException": exception}}, 400)


class FakeAfricasTalking(FakeSMSProvider):
    """The bulk messaging endpoint of Africa's Talking: one text, many recipients."""

    send_path = re.compile(r"/version1/messaging")
    credentials = {"username": "fake-user", "api_key": "fake-key"}

    def __init__(self) -> None:
        self.batch_sizes: list[int] = []  # recipients in each accepted request
        super().__init__()

    @property
    def api_url(self) -> str:
        return f"{self.url}/version1/messaging"

    def handle_send(self, match: re.Match[str], headers: Any, body: bytes) -> Reply:
        if headers.get("apiKey") != self.credentials["api_key"]:
            return Reply(401, "The supplied authentication is invalid", "text/plain")
        form = dict(parse_qsl(body.decode()))
        if form.get("username") != self.credentials["username"]:
            return Reply(401, "The supplied authentication is invalid", "text/plain")
        if not form.get("to") or "message" not in form:
            return Reply(400, "Request is missing required form field 'to'", "text/plain")
        recipients = []
        for number in (part.strip() for part in form["to"].split(",")):
            if self._is_rejected(number) or not re.fullmatch(r"\+\d{8,15}", number):
                status = {"statusCode": 403, "status": "InvalidPhoneNumber", "messageId": "None"}
                recipients.append({**status, "number": number, "cost": "0"})
                continue
            message_id = f"ATXid_{uuid.uuid4().hex}"
            self._record(ReceivedSMS(to=number, text=form["message"], provider_id=message_id))
            recipients.append(
                {
                    "statusCode": 101,
                    "number": number,
                    "status": "Success",
                    "cost": "XOF 20.0000",
                    "messageId": message_id,
                }
            )
        with self._lock:
            self.batch_sizes.append(len(recipients))
        sent = sum(entry["statusCode"] == 101 for entry in recipients)
        summary = f"Sent to {sent}/{len(recipients)} Total Cost: XOF {20 * sent}"
        return _json({"SMSMessageData": {"Message": summary, "Recipients": recipients}}, 201)
