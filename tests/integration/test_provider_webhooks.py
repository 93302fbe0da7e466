"""Provider webhooks: fal's ED25519 and Replicate's Standard-Webhooks signatures, outcome
parsing, and a delivered outcome ending the await without waiting for polling."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from aistudio.errors import InputError, Unauthorized
from aistudio.tools.signatures import generate_webhook_secret, sign_webhook
from aistudio.tools.storage.local import LocalStorage
from aistudio.tools.video.fal import FalBackend, FalEndpoints
from aistudio.tools.video.hosted import PollState
from aistudio.tools.video.webhooks import (
    FalWebhookVerifier,
    ProviderEvent,
    WebhookInbox,
    parse_fal_event,
    parse_replicate_event,
    verify_replicate,
)
from tests.fakes.asgi import serving
from tests.fakes.fal import FakeFal, FalBehaviour
from tests.integration.test_hosted_video import FAL_MODELS, FAST, Planned, _provider
from tests.integration.test_hosted_video import planned as planned  # noqa: PLC0414

NOW = 1_796_000_000


def _jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(raw).decode().rstrip("=")}


def _fal_headers(
    key: Ed25519PrivateKey, body: bytes, *, request_id: str = "req-1", stamp: int = NOW
) -> dict[str, str]:
    message = f"{request_id}\nuser-9\n{stamp}\n{hashlib.sha256(body).hexdigest()}".encode()
    return {
        "X-Fal-Webhook-Request-Id": request_id,
        "X-Fal-Webhook-User-Id": "user-9",
        "X-Fal-Webhook-Timestamp": str(stamp),
        "X-Fal-Webhook-Signature": key.sign(message).hex(),
    }


class Jwks:
    def __init__(self, *keys: Ed25519PrivateKey) -> None:
        self.keys = list(keys)
        self.fetches = 0

    async def __call__(self) -> dict[str, Any]:
        self.fetches += 1
        return {"keys": [{"kty": "RSA", "n": "x"}, *(_jwk(k) for k in self.keys)]}


async def test_fal_signature_verifies_and_rejects_tampering() -> None:
    key = Ed25519PrivateKey.generate()
    jwks = Jwks(key)
    verifier = FalWebhookVerifier(jwks)
    body = b'{"request_id":"req-1","status":"OK","payload":{"video":{"url":"https://x/v.mp4"}}}'
    await verifier.verify(_fal_headers(key, body), body, now=NOW)
    await verifier.verify(_fal_headers(key, body), body, now=NOW + 10)
    assert jwks.fetches == 1  # cached
    with pytest.raises(Unauthorized, match="does not match"):
        await verifier.verify(_fal_headers(key, body), body + b" ", now=NOW)
    with pytest.raises(Unauthorized, match="more than 300s"):
        await verifier.verify(_fal_headers(key, body, stamp=NOW - 301), body, now=NOW)
    with pytest.raises(Unauthorized, match="headers are missing"):
        await verifier.verify({}, body, now=NOW)
    forged = Ed25519PrivateKey.generate()
    with pytest.raises(Unauthorized, match="does not match"):
        await verifier.verify(_fal_headers(forged, body), body, now=NOW)


async def test_fal_key_rotation_refetches_the_jwks() -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    jwks = Jwks(old)
    verifier = FalWebhookVerifier(jwks)
    body = b'{"request_id":"req-1","status":"OK","payload":{}}'
    await verifier.verify(_fal_headers(old, body), body, now=NOW)
    jwks.keys = [new]
    await verifier.verify(_fal_headers(new, body), body, now=NOW)
    assert jwks.fetches == 2


def test_replicate_signature() -> None:
    secret = generate_webhook_secret()
    body = json.dumps({"id": "p1", "status": "succeeded", "output": "https://r/o.mp4"}).encode()
    headers = sign_webhook(secret, "msg_1", NOW, body)
    verify_replicate(secret, headers, body, now=NOW)
    with pytest.raises(Unauthorized, match="replicate webhook"):
        verify_replicate(secret, headers, body.replace(b"p1", b"p2"), now=NOW)
    with pytest.raises(Unauthorized):
        verify_replicate(generate_webhook_secret(), headers, body, now=NOW)


def test_outcomes_are_parsed() -> None:
    ok = parse_fal_event(b'{"request_id":"r","status":"OK","payload":{"video":{"url":"u"}}}')
    assert ok == ProviderEvent("fal", "r", PollState("succeeded", output={"video": {"url": "u"}}))
    bad = parse_fal_event(b'{"request_id":"r","status":"ERROR","error":"Invalid status code: 422"}')
    assert bad.state.state == "failed"
    assert "422" in (bad.state.error or "")
    assert parse_replicate_event(b'{"id":"p","status":"processing"}') is None
    done = parse_replicate_event(b'{"id":"p","status":"succeeded","output":"https://o"}')
    assert done is not None
    assert done.state.output == "https://o"
    failed = parse_replicate_event(b'{"id":"p","status":"failed","error":"NSFW"}')
    assert failed is not None
    assert failed.state == PollState("failed", error="NSFW")
    for body in (b"not json", b"[]", b'{"status":"OK"}'):
        with pytest.raises(InputError):
            parse_fal_event(body)


async def test_a_delivered_outcome_ends_the_await(planned: Planned, tmp_path: Path) -> None:
    # The fake never finishes by polling (held); the webhook's outcome ends the wait.
    fake = FakeFal(behaviour=FalBehaviour(hold=asyncio.Event()))
    inbox = WebhookInbox(LocalStorage(tmp_path / "inbox"))
    async with serving(fake):
        backend = FalBackend(
            "k", endpoints=FalEndpoints(fake.base_url, fake.base_url, fake.base_url)
        )
        provider = _provider(planned, backend, FAL_MODELS, FAST)
        provider.inbox = inbox
        provider.webhook_url = "https://studio.example/api/v1/providers/fal/webhook"
        shot = planned.plan.shots[0]
        job = await provider.submit("hooked", shot, planned.plan, planned.product)
        assert fake.submissions()[0].query == (
            "fal_webhook=https%3A%2F%2Fstudio.example%2Fapi%2Fv1%2Fproviders%2Ffal%2Fwebhook"
        )
        waiting = asyncio.create_task(
            provider.await_result(job, shot, planned.plan, planned.product)
        )
        await asyncio.sleep(0.3)
        assert not waiting.done()
        # what fal would POST: the result payload pointing at the clip
        fake.behaviour.hold = None
        result = await backend.poll(provider.catalog.get(job.model), job.request_id)
        await inbox.deliver(ProviderEvent("fal", job.request_id, result))
        polls_before = fake.count("status")
        visuals = await asyncio.wait_for(waiting, 10)
    assert visuals[0].is_still is False
    assert fake.count("status") - polls_before <= 1
