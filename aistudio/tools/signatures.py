"""Standard Webhooks signatures (https://www.standardwebhooks.com), both ways: the server
signs the webhooks it sends, and the Replicate tool verifies the ones Replicate sends (same
scheme: `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

from aistudio.errors import InputError

SECRET_PREFIX = "whsec_"  # noqa: S105 - a format marker, not a credential
_SECRET_BYTES = 32  # the spec asks for 24-64 random bytes


def generate_webhook_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_<base64>` secret (InputError when malformed)."""
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError("webhook secret must look like whsec_<base64>") from exc
    if not key:
        raise InputError("webhook secret is empty")
    return key


def _signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())


def sign_webhook(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one delivery attempt."""
    signature = _signature(secret_key(secret), msg_id, timestamp, body).decode("ascii")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{signature}",
    }


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance_s: int = 300,
    now: int | None = None,
) -> None:
    """Raise InputError unless one `v1,` signature matches and the timestamp is fresh."""
    lower = {name.lower(): value for name, value in headers.items()}
    msg_id = lower.get("webhook-id")
    stamp = lower.get("webhook-timestamp")
    signatures = lower.get("webhook-signature")
    if not (msg_id and stamp and signatures):
        raise InputError("webhook-id, webhook-timestamp and webhook-signature are required")
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise InputError(f"webhook-timestamp {stamp!r} is not unix seconds") from exc
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > tolerance_s:  # both ways: replays and far-future stamps
        raise InputError(f"webhook-timestamp is more than {tolerance_s}s from now")
    expected = _signature(secret_key(secret), msg_id, timestamp, body)
    # Several signatures are allowed (secret rotation); unknown versions are skipped.
    for item in signatures.split():
        version, _, value = item.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return
    raise InputError("webhook signature does not match")
