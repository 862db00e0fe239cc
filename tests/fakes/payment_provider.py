"""A fake mobile-money aggregator speaking CinetPay's API v2, over real HTTP on 127.0.0.1.

- POST /v2/payment: a payment is initialised; the answer gives payment_url, the fake's
  wallet page, and payment_token.
- GET /wallet/<token>: the customer's page (pick Orange Money, MTN MoMo, Moov, Wave;
  approve or refuse). Approving or refusing POSTs the signed notification (form fields,
  `x-token` = HMAC-SHA256 of the fields with the secret key) to notify_url and shows each
  step, with a button back to return_url.
- POST /v2/payment/check: the transaction's status (ACCEPTED, REFUSED or
  WAITING_CUSTOMER_PAYMENT), amount and currency.

Tests drive it directly (`approve`, `notify`, `down`, `check_amount`); the demo runs it
as a process: `python -m tests.fakes.payment_provider --port 8766` (run_demo does).

    with FakePaymentProvider() as provider:
        settings.SHOP_PAYMENT_API_URL = provider.url
"""

import argparse
import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

# Their order in the x-token (CinetPay's documentation of the HMAC).
SIGNED_FIELDS = (
    "cpm_site_id",
    "cpm_trans_id",
    "cpm_trans_date",
    "cpm_amount",
    "cpm_currency",
    "signature",
    "payment_method",
    "cel_phone_num",
    "cpm_phone_prefixe",
    "cpm_language",
    "cpm_version",
    "cpm_payment_config",
    "cpm_page_action",
    "cpm_custom",
    "cpm_designation",
    "cpm_error_message",
)
METHODS = {"OM": "Orange Money", "MOMO": "MTN MoMo", "FLOOZ": "Moov Money", "WAVECI": "Wave"}


def x_token(fields: dict[str, str], secret_key: str) -> str:
    message = "".join(fields.get(name, "") for name in SIGNED_FIELDS)
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


@dataclass
class FakePayment:
    transaction_id: str
    token: str
    amount: int
    currency: str
    description: str
    notify_url: str
    return_url: str
    customer_phone: str
    status: str = "WAITING_CUSTOMER_PAYMENT"
    method: str = ""
    steps: list[str] = field(default_factory=list)
    notification_statuses: list[int] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: "FakePaymentProvider"

    def _answer(self, status: int, body: str, content_type: str, headers=()) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> str:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/wallet/"):
            status, html = self.fake._wallet_page(path.removeprefix("/wallet/"))
            self._answer(status, html, "text/html; charset=utf-8")
        else:
            self._answer(404, "not found", "text/plain")

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._body()
        if path.startswith("/wallet/"):
            status, html = self.fake._wallet_decision(path.removeprefix("/wallet/"), body)
            self._answer(status, html, "text/html; charset=utf-8")
            return
        if self.fake.down:
            self._answer(503, "<html>Service Unavailable</html>", "text/html")
            return
        try:
            payload = json.loads(body or "{}")
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            self._answer(
                400, '{"code":"608","message":"MINIMUM_REQUIRED_FIELDS"}', "application/json"
            )
            return
        if path == "/v2/payment":
            status, answer = self.fake._initialise(payload)
        elif path == "/v2/payment/check":
            status, answer = self.fake._check(payload)
        else:
            status, answer = 404, {"code": "404", "message": "NOT_FOUND"}
        self._answer(status, json.dumps(answer), "application/json")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakePaymentProvider:
    def __init__(
        self,
        *,
        api_key: str = "demo-api-key",
        site_id: str = "105900",
        secret_key: str = "demo-secret-key-for-the-fake-wallet",  # noqa: S107 # the demo's
        port: int = 0,
    ) -> None:
        self.api_key, self.site_id, self.secret_key = api_key, site_id, secret_key
        self.payments: dict[str, FakePayment] = {}
        self.down = False  # the API answers 503 (the wallet pages still work)
        # What the check answers instead of the true amount (a tampered transaction).
        self.check_amount: int | None = None
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # The wallet page's address, opened by the customer's browser (the browser tests'
        # Chromium resolves no name but localhost and reaches no literal address).
        self.public_url = f"http://localhost:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._http = requests.Session()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._http.close()

    def __enter__(self) -> "FakePaymentProvider":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- the API --------------------------------------------------------------------

    def _authorised(self, payload: dict) -> bool:
        return payload.get("apikey") == self.api_key and str(payload.get("site_id")) == self.site_id

    def _initialise(self, payload: dict) -> tuple[int, dict]:
        if not self._authorised(payload):
            return 401, {"code": "609", "message": "AUTH_NOT_FOUND"}
        amount = payload.get("amount")
        required = ("transaction_id", "description", "notify_url", "return_url")
        if not all(payload.get(name) for name in required) or not isinstance(amount, int):
            return 400, {"code": "608", "message": "MINIMUM_REQUIRED_FIELDS"}
        if amount < 100 or amount % 5:
            return 400, {"code": "624", "message": "AMOUNT_MUST_BE_MULTIPLE_OF_5"}
        if payload.get("currency") != "XOF":
            return 400, {"code": "608", "message": "INVALID_CURRENCY"}
        with self._lock:
            if payload["transaction_id"] in self.payments:
                return 400, {"code": "605", "message": "TRANSACTION_EXIST"}
            token = secrets.token_hex(24)
            payment = FakePayment(
                transaction_id=payload["transaction_id"],
                token=token,
                amount=amount,
                currency="XOF",
                description=str(payload["description"]),
                notify_url=payload["notify_url"],
                return_url=payload["return_url"],
                customer_phone=str(payload.get("customer_phone_number", "")),
            )
            payment.steps.append(
                f"1. {self._now()} — le marchand a initialisé le paiement de {amount} XOF "
                f"(transaction {payment.transaction_id})."
            )
            self.payments[payment.transaction_id] = payment
        return 200, {
            "code": "201",
            "message": "CREATED",
            "description": "Transaction created with success",
            "data": {"payment_token": token, "payment_url": f"{self.public_url}/wallet/{token}"},
        }

    def _check(self, payload: dict) -> tuple[int, dict]:
        if not self._authorised(payload):
            return 401, {"code": "609", "message": "AUTH_NOT_FOUND"}
        payment = self.payments.get(str(payload.get("transaction_id", "")))
        if payment is None:
            return 404, {"code": "627", "message": "TRANSACTION_NOT_FOUND"}
        payment.steps.append(f"{self._now()} — le marchand a vérifié le statut : {payment.status}.")
        code = {"ACCEPTED": "00", "REFUSED": "600"}.get(payment.status, "662")
        amount = self.check_amount if self.check_amount is not None else payment.amount
        return 200, {
            "code": code,
            "message": "SUCCES" if code == "00" else payment.status,
            "data": {
                "amount": str(amount),
                "currency": payment.currency,
                "status": payment.status,
                "payment_method": payment.method,
                "description": payment.description,
                "operator_id": f"OP{payment.token[:10]}" if payment.method else None,
                "payment_date": self._now() if payment.status == "ACCEPTED" else "",
            },
        }

    @staticmethod
    def _now() -> str:
        return datetime.now().strftime("%Y-%m-%d %H:%M:%S")

    # --- the customer's wallet ------------------------------------------------------

    def _by_token(self, token: str) -> FakePayment | None:
        return next((p for p in self.payments.values() if p.token == token), None)

    def _wallet_page(self, token: str) -> tuple[int, str]:
        payment = self._by_token(token)
        if payment is None:
            return 404, "<p>Paiement inconnu.</p>"
        options = "".join(
            f'<label><input type="radio" name="method" value="{code}"{" checked" if code == "OM" else ""}> {name}</label><br>'
            for code, name in METHODS.items()
        )
        return 200, self._page(
            payment,
            f"""<p>{escape(payment.description)}</p>
<p><strong>{payment.amount} F CFA</strong></p>
<form method="post"><fieldset><legend>Portefeuille</legend>{options}</fieldset>
<button type="submit" name="decision" value="approve">Approuver le paiement</button>
<button type="submit" name="decision" value="refuse">Refuser</button></form>""",
        )

    def _wallet_decision(self, token: str, body: str) -> tuple[int, str]:
        payment = self._by_token(token)
        if payment is None:
            return 404, "<p>Paiement inconnu.</p>"
        form = dict(parse_qsl(body))
        method = form.get("method", "OM") if form.get("method") in METHODS else "OM"
        if form.get("decision") == "approve":
            self.approve(payment.transaction_id, method=method)
        else:
            self.refuse(payment.transaction_id, method=method)
        return 200, self._page(
            payment,
            f'<p><a id="return" href="{escape(payment.return_url)}">Retourner sur le site du marchand</a></p>',
        )

    def _page(self, payment: FakePayment, content: str) -> str:
        steps = "".join(f"<li>{escape(step)}</li>" for step in payment.steps)
        return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>Faux portefeuille mobile money</title></head>
<body><h1>Faux portefeuille mobile money</h1>{content}
<h2>Étapes</h2><ol id="steps">{steps}</ol></body></html>"""

    # --- what tests do --------------------------------------------------------------

    def approve(
        self, transaction_id: str, *, method: str = "OM", notify: bool = True
    ) -> int | None:
        payment = self.payments[transaction_id]
        payment.status, payment.method = "ACCEPTED", method
        payment.steps.append(
            f"2. {self._now()} — le client a approuvé sur son téléphone ({METHODS[method]})."
        )
        return self.notify(transaction_id) if notify else None

    def refuse(self, transaction_id: str, *, method: str = "OM") -> int:
        payment = self.payments[transaction_id]
        payment.status, payment.method = "REFUSED", method
        payment.steps.append(f"2. {self._now()} — le client a refusé le paiement.")
        return self.notify(transaction_id)

    def notification_fields(self, transaction_id: str, **changed: str) -> dict[str, str]:
        payment = self.payments[transaction_id]
        fields = {
            "cpm_site_id": self.site_id,
            "cpm_trans_id": payment.transaction_id,
            "cpm_trans_date": self._now(),
            "cpm_amount": str(payment.amount),
            "cpm_currency": payment.currency,
            "signature": secrets.token_hex(16),
            "payment_method": payment.method,
            "cel_phone_num": payment.customer_phone.removeprefix("+225"),
            "cpm_phone_prefixe": "225",
            "cpm_language": "fr",
            "cpm_version": "V4",
            "cpm_payment_config": "SINGLE",
            "cpm_page_action": "PAYMENT",
            "cpm_custom": "",
            "cpm_designation": payment.description,
            "cpm_error_message": "SUCCES" if payment.status == "ACCEPTED" else payment.status,
        }
        fields.update(changed)
        return fields

    def notify(
        self, transaction_id: str, *, fields: dict[str, str] | None = None, token: str | None = None
    ) -> int:
        """POST the notification (signed, unless a token is given) to notify_url; the
        HTTP status our webhook answered (0: it could not be reached)."""
        payment = self.payments[transaction_id]
        fields = fields if fields is not None else self.notification_fields(transaction_id)
        signed = token if token is not None else x_token(fields, self.secret_key)
        try:
            response = self._http.post(
                payment.notify_url, data=fields, headers={"x-token": signed}, timeout=30
            )
        except requests.RequestException as error:
            payment.notification_statuses.append(0)
            payment.steps.append(
                f"3. {self._now()} — notification impossible ({type(error).__name__}) : "
                "le marchand vérifiera le statut lui-même."
            )
            return 0
        payment.notification_statuses.append(response.status_code)
        payment.steps.append(
            f"3. {self._now()} — notification signée envoyée au marchand : il a répondu "
            f"{response.status_code}."
        )
        return response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description="The fake mobile-money aggregator (demo).")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--api-key", default="demo-api-key")
    parser.add_argument("--site-id", default="105900")
    parser.add_argument("--secret-key", default="demo-secret-key-for-the-fake-wallet")
    arguments = parser.parse_args()
    provider = FakePaymentProvider(
        api_key=arguments.api_key,
        site_id=arguments.site_id,
        secret_key=arguments.secret_key,
        port=arguments.port,
    )
    print(f"Fake mobile-money aggregator on {provider.url}", flush=True)
    try:
        provider._thread.join()
    except KeyboardInterrupt:
        provider.close()


if __name__ == "__main__":
    main()
