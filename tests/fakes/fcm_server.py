"""A fake Firebase Cloud Messaging: a small HTTP server on 127.0.0.1 playing Google's two
parts over real HTTP.

- The token URI (`POST /token`): takes a JWT bearer assertion, checks its RS256
  signature with the public key of the service account it made, its issuer, audience,
  scope and times, and hands out an access token that lasts `token_lifetime` seconds.
- `POST /v1/projects/<project>/messages:send`: checks the bearer is a token it issued
  and still accepts, that the project is ours, and records the message; a token that is
  not registered answers 404 UNREGISTERED as FCM does.

    with FakeFCM() as fcm:
        settings.FCM_SERVICE_ACCOUNT = fcm.service_account_json
        settings.FCM_ENDPOINT = fcm.url
        ...  # the sender sends
        assert fcm.messages[0]["token"] == "…"

Scripting: `fail_next` answers the next messages with (status, FCM error, headers);
`revoke_access_tokens()` makes every token issued so far answer 401; `unregistered`
holds the tokens FCM no longer knows.
"""

import base64
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
_SEND = re.compile(r"^/v1/projects/(?P<project>[^/]+)/messages:send$")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fcm_error(status: int, code: str, message: str, *, error_code: str = "", field: str = ""):
    """The body of an FCM v1 error (google.rpc.Status with FCM's details)."""
    details: list[dict[str, Any]] = []
    if error_code:
        details.append(
            {
                "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                "errorCode": error_code,
            }
        )
    if field:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field, "description": message}],
            }
        )
    return {"error": {"code": status, "message": message, "status": code, "details": details}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: "FakeFCM"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        status, payload, headers = self.fake._handle(self.path, self.headers, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeFCM:
    project_id = "monquartier-test"
    client_email = "fcm-sender@monquartier-test.iam.gserviceaccount.com"

    def __init__(self, *, token_lifetime: int = 3600) -> None:
        self.token_lifetime = token_lifetime
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_id = secrets.token_hex(8)
        self.messages: list[dict[str, Any]] = []  # each accepted message, as sent
        self.attempts: list[dict[str, Any]] = []  # each messages:send with a valid bearer
        self.token_requests = 0
        self.refused_assertions: list[str] = []  # why each refused assertion was refused
        self.unregistered: set[str] = set()
        self.fail_next: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        self._accepted: dict[str, float] = {}  # access token -> when it expires
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    # --- the service account, as the Firebase console gives it --------------------------

    def service_account(self, *, key: rsa.RSAPrivateKey | None = None) -> dict[str, str]:
        pem = (key or self._key).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": self.key_id,
            "private_key": pem.decode(),
            "client_email": self.client_email,
            "token_uri": f"{self.url}/token",
        }

    @property
    def service_account_json(self) -> str:
        return json.dumps(self.service_account())

    def revoke_access_tokens(self) -> None:
        with self._lock:
            self._accepted.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "FakeFCM":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- the requests ---------------------------------------------------------------------

    def _handle(
        self, path: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if path == "/token":
            return self._token(headers, body)
        match = _SEND.match(path)
        if match:
            return self._send(match["project"], headers, body)
        return 404, fcm_error(404, "NOT_FOUND", "not found"), {}

    def _refuse_assertion(self, why: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        self.refused_assertions.append(why)
        return 400, {"error": "invalid_grant", "error_description": why}, {}

    def _token(self, headers: Any, body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            self.token_requests += 1
        if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self._refuse_assertion("not a form")
        form = dict(parse_qsl(body.decode()))
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type"}, {}
        parts = form.get("assertion", "").split(".")
        if len(parts) != 3:
            return self._refuse_assertion("not a JWT")
        try:
            header = json.loads(_b64url_decode(parts[0]))
            claims = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except ValueError:
            return self._refuse_assertion("not a JWT")
        if header.get("alg") != "RS256":
            return self._refuse_assertion("alg")
        try:
            self._key.public_key().verify(
                signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            return self._refuse_assertion("Invalid JWT Signature.")
        now = time.time()
        if claims.get("iss") != self.client_email:
            return self._refuse_assertion("iss")
        if claims.get("aud") != f"{self.url}/token":
            return self._refuse_assertion("aud")
        if SCOPE not in str(claims.get("scope", "")).split():
            return self._refuse_assertion("scope")
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int):
            return self._refuse_assertion("iat/exp")
        if iat > now + 60 or exp < now or exp - iat > 3600:
            return self._refuse_assertion("Invalid JWT: Token must be a short-lived token")
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        with self._lock:
            self._accepted[token] = now + self.token_lifetime
        return (
            200,
            {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"},
            {},
        )

    def _send(
        self, project: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        scheme, _space, bearer = headers.get("Authorization", "").partition(" ")
        with self._lock:
            expires = self._accepted.get(bearer) if scheme == "Bearer" else None
        if expires is None or expires < time.time():
            message = "Request had invalid authentication credentials."
            return 401, fcm_error(401, "UNAUTHENTICATED", message), {}
        if project != self.project_id:
            return 403, fcm_error(403, "PERMISSION_DENIED", "Permission denied."), {}
        try:
            message = json.loads(body)["message"]
            token = message["token"]
        except (ValueError, KeyError, TypeError):
            return 400, fcm_error(400, "INVALID_ARGUMENT", "Invalid JSON payload."), {}
        with self._lock:
            self.attempts.append(message)
            if self.fail_next:
                status, error, extra = self.fail_next.pop(0)
                return status, error, extra
            if token in self.unregistered:
                return (
                    404,
                    fcm_error(
                        404,
                        "NOT_FOUND",
                        "Requested entity was not found.",
                        error_code="UNREGISTERED",
                    ),
                    {},
                )
            self.messages.append(message)
            name = f"projects/{self.project_id}/messages/{len(self.messages)}"
        return 200, {"name": name}, {}
