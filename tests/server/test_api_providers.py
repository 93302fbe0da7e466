"""The API on a hosted video provider: cancelling a job cancels its provider requests, and
the provider's signed webhook ends the wait without polling."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar.testing import AsyncTestClient

from aistudio.server.app import create_app
from aistudio.settings import ProviderSettings
from aistudio.tools.render.local import LocalVideoProvider
from aistudio.tools.signatures import generate_webhook_secret, sign_webhook
from aistudio.tools.video.catalog import load_catalog
from aistudio.tools.video.fal import FalBackend, FalEndpoints
from aistudio.tools.video.hosted import HostedPolicy, HostedVideoProvider
from aistudio.tools.video.webhooks import WebhookInbox
from tests.fakes.asgi import serving_in_thread as serving
from tests.fakes.fal import FakeFal, FalBehaviour
from tests.server.conftest import Client, finished, new_key, promo_body, server_settings
from tests.server.fakes import fast_toolbox

PROMO = "/api/v1/video/generate-promo-video"
# Never set: requests stay "in progress" (an Event only read with is_set(), so it may live
# on the fake's own loop).
HELD = asyncio.Event()
POLICY = HostedPolicy(
    attempts=4,
    backoff_s=0.01,
    poll_initial_s=0.05,
    poll_max_s=0.2,
    deadline_s=120,
    call_timeout_s=5,
)


@asynccontextmanager
async def _app_on_fal(data_dir: Path, fake: FakeFal, **providers: Any) -> AsyncIterator[Client]:
    settings = server_settings(data_dir)
    settings = settings.model_copy(update={"providers": ProviderSettings(**providers)})
    tools = fast_toolbox(settings)
    backend = FalBackend("k", endpoints=FalEndpoints(fake.base_url, fake.base_url, fake.base_url))
    video = HostedVideoProvider(
        backend,
        load_catalog(),
        {"promo": ("seedance-2.0",)},
        tools.storage,
        LocalVideoProvider(tools.storage, settings.render.motion_headroom),
        policy=POLICY,
        inbox=WebhookInbox(tools.storage),
        webhook_url="https://studio.example/api/v1/providers/fal/webhook",
    )
    app = create_app(settings, toolbox=dataclasses.replace(tools, video=video))
    async with AsyncTestClient(app=app, timeout=120) as client:
        yield client


async def _awaiting(client: Client, fake: FakeFal, job_id: str, headers: dict[str, str]) -> None:
    async with asyncio.timeout(120):
        while not (fake.submissions() and fake.count("status") >= 2 * len(fake.submissions())):
            status = (await client.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
            assert status["status"] in ("queued", "running"), status
            await asyncio.sleep(0.1)


async def test_cancel_stops_the_provider_requests(data_dir: Path) -> None:
    fake = FakeFal(behaviour=FalBehaviour(hold=HELD))
    async with serving(fake), _app_on_fal(data_dir, fake) as client:
        headers = await new_key(client, "acme")
        job_id = (await client.post(PROMO, json=promo_body(), headers=headers)).json()["job_id"]
        await _awaiting(client, fake, job_id, headers)
        response = await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
        assert response.status_code == 200, response.text
        assert (await finished(client, job_id, headers))["status"] == "cancelled"
    submitted = {r.json()["prompt"] for r in fake.submissions()}
    assert fake.count("cancel") == len(submitted) > 0
    assert all(job.cancelled for job in fake.jobs.values())


def _fal_headers(key: Ed25519PrivateKey, request_id: str, body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    message = f"{request_id}\nuser-1\n{stamp}\n{hashlib.sha256(body).hexdigest()}".encode()
    return {
        "X-Fal-Webhook-Request-Id": request_id,
        "X-Fal-Webhook-User-Id": "user-1",
        "X-Fal-Webhook-Timestamp": stamp,
        "X-Fal-Webhook-Signature": key.sign(message).hex(),
        "Content-Type": "application/json",
    }


async def test_signed_fal_webhooks_end_the_wait(data_dir: Path) -> None:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes_raw()
    fake = FakeFal(behaviour=FalBehaviour(hold=HELD))
    fake.jwks = {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": base64.urlsafe_b64encode(raw).decode().rstrip("="),
            }
        ]
    }
    async with (
        serving(fake),
        _app_on_fal(
            data_dir, fake, fal_jwks_url=f"{fake.base_url}/.well-known/jwks.json"
        ) as client,
    ):
        headers = await new_key(client, "acme")
        job_id = (await client.post(PROMO, json=promo_body(), headers=headers)).json()["job_id"]
        await _awaiting(client, fake, job_id, headers)
        assert all("fal_webhook=" in r.query for r in fake.submissions())
        # an unsigned or forged delivery is refused and changes nothing
        forged = await client.post(
            "/api/v1/providers/fal/webhook",
            content=b"{}",
            headers={"Content-Type": "application/json"},
        )
        assert forged.status_code == 401
        assert forged.headers["content-type"].startswith("application/problem+json")
        # fal delivers each finished request (the fake still answers "in progress")
        fake.behaviour.hold = None
        for request_id, job in list(fake.jobs.items()):
            assert job.rendering is not None
            async with asyncio.timeout(60):
                while not job.rendering.done():  # noqa: ASYNC110 - a task of the fake's loop
                    await asyncio.sleep(0.05)
            fake.files[f"clip-{request_id}.mp4"] = job.rendering.result()
            body = json.dumps(
                {
                    "request_id": request_id,
                    "status": "OK",
                    "payload": {"video": {"url": f"{fake.base_url}/media/clip-{request_id}.mp4"}},
                }
            ).encode()
            fake.behaviour.hold = HELD  # polling alone would never finish
            response = await client.post(
                "/api/v1/providers/fal/webhook",
                content=body,
                headers=_fal_headers(key, request_id, body),
            )
            assert response.status_code == 204, response.text
        outcome = await finished(client, job_id, headers)
    assert outcome["status"] in ("completed", "completed_with_warnings"), outcome


async def test_replicate_webhook_needs_the_secret(data_dir: Path) -> None:
    fake = FakeFal()
    secret = generate_webhook_secret()
    async with (
        serving(fake),
        _app_on_fal(data_dir, fake, replicate_webhook_secret=secret) as client,
    ):
        body = json.dumps({"id": "p1", "status": "succeeded", "output": "https://o"}).encode()
        signed = sign_webhook(secret, "msg_1", int(time.time()), body)
        ok = await client.post(
            "/api/v1/providers/replicate/webhook",
            content=body,
            headers={**signed, "Content-Type": "application/json"},
        )
        assert ok.status_code == 204, ok.text
        bad = await client.post(
            "/api/v1/providers/replicate/webhook",
            content=body,
            headers={**sign_webhook(generate_webhook_secret(), "m", 1, body)},
        )
        assert bad.status_code == 401
        unknown = await client.post("/api/v1/providers/runway/webhook", content=body)
        assert unknown.status_code == 404
