"""Provider webhooks: fal and Replicate tell us a request finished, so await stops polling.

The server's webhook route verifies the signature and drops the outcome into the inbox
(a storage memo, so any worker sees it, and a restarted one too); `HostedVideoProvider`
looks in the inbox before each poll. Polling stays as the fallback: a webhook that never
arrives (our server unreachable, a lost delivery) only costs the usual polling.

* Replicate signs Standard-Webhooks style with the account's `whsec_` secret
  (GET /v1/webhooks/default/secret), the same scheme as our own outgoing webhooks.
* fal signs with ED25519: the signature (hex, `X-Fal-Webhook-Signature`) covers
  "{request id}\\n{user id}\\n{timestamp}\\n{sha256 hex of the body}" from the
  `X-Fal-Webhook-Request-Id`, `-User-Id` and `-Timestamp` headers, and verifies with one of
  the public keys fal publishes as a JWKS.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from aistudio.errors import InputError, Unauthorized
from aistudio.tools.protocols import Storage
from aistudio.tools.signatures import verify_webhook
from aistudio.tools.video.router import PollState

FAL_JWKS_URL = "https://rest.alpha.fal.ai/.well-known/jwks.json"
TOLERANCE_S = 300


@dataclass(frozen=True)
class ProviderEvent:
    provider: str
    request_id: str
    state: PollState


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"webhook body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError("webhook body must be a JSON object")
    return data


def parse_fal_event(body: bytes) -> ProviderEvent:
    """fal's queue webhook: {request_id, status: OK|ERROR, payload, error}."""
    data = _json(body)
    request_id = data.get("request_id")
    if not isinstance(request_id, str) or not request_id:
        raise InputError("fal webhook without a request_id")
    if data.get("status") == "OK" and data.get("payload") is not None:
        return ProviderEvent("fal", request_id, PollState("succeeded", output=data["payload"]))
    reason = data.get("error") or data.get("payload_error") or "fal reported an error"
    return ProviderEvent("fal", request_id, PollState("failed", error=str(reason)[:500]))


def parse_replicate_event(body: bytes) -> ProviderEvent | None:
    """A Replicate prediction webhook; None for events that are not an outcome (start,
    logs, output while still processing)."""
    data = _json(body)
    request_id = data.get("id")
    if not isinstance(request_id, str) or not request_id:
        raise InputError("replicate webhook without a prediction id")
    status = data.get("status")
    if status == "succeeded":
        return ProviderEvent(
            "replicate", request_id, PollState("succeeded", output=data.get("output"))
        )
    if status in ("failed", "canceled"):
        error = str(data.get("error") or status)[:500]
        return ProviderEvent("replicate", request_id, PollState(status, error=error))
    return None


def verify_replicate(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: int | None = None
) -> None:
    try:
        verify_webhook(secret, headers, body, tolerance_s=TOLERANCE_S, now=now)
    except InputError as exc:
        raise Unauthorized(f"replicate webhook: {exc.message}") from None


JwksFetch = Callable[[], Awaitable[Mapping[str, Any]]]


class FalWebhookVerifier:
    """Checks fal's ED25519 signatures; the JWKS is fetched on first use and again when a
    signature matches no cached key (fal rotated its keys)."""

    def __init__(self, fetch_jwks: JwksFetch, *, max_age_s: float = 24 * 3600) -> None:
        self._fetch = fetch_jwks
        self._max_age_s = max_age_s
        self._keys: list[Ed25519PublicKey] = []
        self._fetched_at = 0.0

    async def _load(self) -> None:
        keys = []
        for jwk in (await self._fetch()).get("keys", []):
            if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "x" not in jwk:
                continue
            raw = base64.urlsafe_b64decode(str(jwk["x"]) + "=" * (-len(str(jwk["x"])) % 4))
            keys.append(Ed25519PublicKey.from_public_bytes(raw))
        self._keys, self._fetched_at = keys, time.monotonic()

    @staticmethod
    def _matches(keys: Sequence[Ed25519PublicKey], signature: bytes, message: bytes) -> bool:
        for key in keys:
            try:
                key.verify(signature, message)
            except InvalidSignature:
                continue
            return True
        return False

    async def verify(
        self, headers: Mapping[str, str], body: bytes, *, now: int | None = None
    ) -> None:
        lower = {k.lower(): v for k, v in headers.items()}
        parts = [
            lower.get(f"x-fal-webhook-{name}", "")
            for name in ("request-id", "user-id", "timestamp", "signature")
        ]
        request_id, user_id, stamp, signature_hex = parts
        if not all(parts):
            raise Unauthorized("fal webhook: signature headers are missing")
        try:
            timestamp, signature = int(stamp), bytes.fromhex(signature_hex)
        except (ValueError, binascii.Error):
            raise Unauthorized("fal webhook: malformed timestamp or signature") from None
        current = int(time.time()) if now is None else now
        if abs(current - timestamp) > TOLERANCE_S:
            raise Unauthorized(f"fal webhook: timestamp is more than {TOLERANCE_S}s from now")
        message = "\n".join([request_id, user_id, stamp, hashlib.sha256(body).hexdigest()]).encode()
        if not self._keys or time.monotonic() - self._fetched_at > self._max_age_s:
            await self._load()
        if self._matches(self._keys, signature, message):
            return
        await self._load()  # keys may have rotated since we cached them
        if not self._matches(self._keys, signature, message):
            raise Unauthorized("fal webhook: signature does not match fal's keys")


class WebhookInbox:
    """Outcomes delivered by provider webhooks, kept in storage for the await node."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    @staticmethod
    def _memo(provider: str, request_id: str) -> str:
        return f"provider-webhook:{provider}:{request_id}"

    async def deliver(self, event: ProviderEvent) -> None:
        record = {
            "state": event.state.state,
            "output": event.state.output,
            "error": event.state.error,
        }
        asset = await self.storage.put_bytes(
            json.dumps(record).encode(), kind="plan", mime="application/json", ext="json"
        )
        await self.storage.remember(self._memo(event.provider, event.request_id), asset)

    async def take(self, provider: str, request_id: str) -> PollState | None:
        asset = await self.storage.recall(self._memo(provider, request_id))
        if asset is None:
            return None
        record = json.loads(await self.storage.read_bytes(asset))
        return PollState(record["state"], output=record.get("output"), error=record.get("error"))
