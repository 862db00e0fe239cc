"""A fake Africa's Talking Voice: a small HTTP server on 127.0.0.1 that accepts call
requests as the real API does, then, when a test rings a call, plays the provider's part
over real HTTP: it asks our callback URL for the instructions, fetches every audio file
they name, presses the keys of the test's script and posts the call's end.

    with FakeVoice(callback_url=...) as voice:
        backend settings: api_url=voice.url + "/call", voice.credentials
        ...  # our sender requests a call
        call = voice.ring(voice.calls[0].session_id, keys=["1", "2"], duration=42)
        assert call.audio[0].startswith(b"RIFF")
"""

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree  # nosec B405 # our own test server's answers

import requests


@dataclass
class RequestedCall:
    session_id: str
    to: str
    caller: str
    client_request_id: str


@dataclass
class PlayedCall:
    """What the fake provider heard and did during one call."""

    session_id: str
    instructions: list[str] = field(default_factory=list)  # each XML answer, in order
    audio: list[bytes] = field(default_factory=list)  # each file played, in order
    callback_statuses: list[int] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: "FakeVoice"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        status, payload = self.fake._request_call(self.path, self.headers, body)
        data = payload.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeVoice:
    username = "monquartier"
    api_key = "fake-voice-api-key"
    caller = "+2252720000000"

    def __init__(self, callback_url: str = "") -> None:
        # The callback URL "set in the dashboard" for our number.
        self.callback_url = callback_url
        self.calls: list[RequestedCall] = []
        self.refuse_next: list[tuple[int, str]] = []  # scripted (HTTP status, entry status)
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._http = requests.Session()

    @property
    def credentials(self) -> dict[str, str]:
        return {"username": self.username, "api_key": self.api_key, "caller": self.caller}

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._http.close()

    def __enter__(self) -> "FakeVoice":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- the call request -------------------------------------------------------------

    def _request_call(self, path: str, headers: Any, body: str) -> tuple[int, str]:
        if path != "/call":
            return 404, '{"errorMessage": "not found"}'
        if headers.get("apiKey") != self.api_key:
            return 401, '{"errorMessage": "The supplied authentication is invalid"}'
        form = dict(parse_qsl(body))
        if form.get("username") != self.username or form.get("from") != self.caller:
            return 400, '{"entries": [], "errorMessage": "Invalid callerId or username"}'
        to = form.get("to", "")
        with self._lock:
            if self.refuse_next:
                status, entry_status = self.refuse_next.pop(0)
                entry = {"phoneNumber": to, "status": entry_status, "sessionId": "None"}
                return status, json.dumps({"entries": [entry], "errorMessage": "None"})
            session_id = f"ATVId_{uuid.uuid4().hex}"
            self.calls.append(
                RequestedCall(session_id, to, form["from"], form.get("clientRequestId", ""))
            )
        entry = {"phoneNumber": to, "status": "Queued", "sessionId": session_id}
        return 200, json.dumps({"entries": [entry], "errorMessage": "None"})

    # --- ringing: the provider's side of the call ---------------------------------------

    def _post(self, url: str, played: PlayedCall, **fields: str) -> str:
        call = next(c for c in self.calls if c.session_id == played.session_id)
        data = {
            "sessionId": played.session_id,
            "direction": "Outbound",
            "callerNumber": call.to,
            "destinationNumber": call.caller,
            **fields,
        }
        response = self._http.post(url, data=data, timeout=30)
        played.callback_statuses.append(response.status_code)
        return response.text if response.status_code == 200 else ""

    def _follow(self, xml: str, played: PlayedCall) -> str:
        """Fetch the audio the instructions play; the GetDigits callback URL, if any."""
        played.instructions.append(xml)
        if not xml:
            return ""
        root = ElementTree.fromstring(xml)  # noqa: S314  # nosec B314 # our own answers
        if root.tag != "Response":
            raise AssertionError(f"not a voice Response: {xml[:200]}")
        for play in root.iter("Play"):
            audio = self._http.get(play.attrib["url"], timeout=30)
            if audio.status_code != 200:
                raise AssertionError(f"audio {play.attrib['url']} answered {audio.status_code}")
            played.audio.append(audio.content)
        digits = root.find("GetDigits")
        return digits.attrib.get("callbackUrl", self.callback_url) if digits is not None else ""

    def ring(
        self,
        session_id: str,
        *,
        answer: bool = True,
        keys: tuple[str, ...] | list[str] = (),
        duration: int = 35,
        hangup_cause: str = "",
        amount: str = "12.5000",
    ) -> PlayedCall:
        """Play one requested call to its end: answered (instructions, audio, each key
        pressed in turn while the instructions still wait for one) or not, then its end."""
        played = PlayedCall(session_id)
        if answer:
            xml = self._post(self.callback_url, played, isActive="1", callSessionState="Answered")
            digits_url = self._follow(xml, played)
            for key in keys:
                if not digits_url:
                    break
                xml = self._post(digits_url, played, isActive="1", dtmfDigits=key)
                digits_url = self._follow(xml, played)
        self._post(
            self.callback_url,
            played,
            isActive="0",
            status="Success" if answer else "Failed",
            durationInSeconds=str(duration if answer else 0),
            amount=amount if answer else "0",
            currencyCode="XOF",
            hangupCause=hangup_cause or ("NORMAL_CLEARING" if answer else "NO_ANSWER"),
            callSessionState="Completed",
        )
        return played
