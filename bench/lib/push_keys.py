"""The keys of web push: browsers' subscription keys and the server's VAPID keys."""

import base64
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _public_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


@dataclass(frozen=True)
class BrowserKey:
    """What a browser's PushSubscription holds: its P-256 key pair and auth secret."""

    private: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        return b64url(_public_bytes(self.private))


def browser_keys(count: int) -> list[BrowserKey]:
    return [
        BrowserKey(ec.generate_private_key(ec.SECP256R1()), secrets.token_bytes(16))
        for _ in range(count)
    ]


def vapid_key_pair() -> tuple[str, str]:
    """(private, public) in the base64url forms VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY take:
    the raw 32 bytes of the private key, the uncompressed point of the public one."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    return private, b64url(_public_bytes(key))
