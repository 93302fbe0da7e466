"""Jobs across process lifetimes, and the outside world: restart-resume, URL fetch, webhooks."""

from __future__ import annotations

import collections
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from aistudio.jobs import embedded as service_module
from aistudio.server.webhooks import verify_webhook
from tests.conftest import sample, stored_events
from tests.server.conftest import (
    BRIEF,
    AppFactory,
    finished,
    new_key,
    promo_body,
    wait_for,
)
from tests.unit._loopback import LoopbackHTTP, Reply, replies

PROMO = "/api/v1/video/generate-promo-video"


def _journal(data_dir: Path, job_id: str) -> list[dict[str, Any]]:
    return stored_events(data_dir, job_id)


async def test_stopped_mid_job_the_next_app_resumes_it_exactly_once(
    open_app: AppFactory, data_dir: Path
) -> None:
    async with open_app(compose_delay_s=60) as client:
        headers = await new_key(client, "acme")
        job_id = (await client.post(PROMO, json=promo_body(), headers=headers)).json()["job_id"]
        await wait_for(client, job_id, headers, lambda job: job["stage"] == "compose")
        api_key = headers
    # The first app is gone (lifespan shut down mid-compose); the row still says running.
    before = _journal(data_dir, job_id)
    assert not any(e["event"] in ("job_finished", "job_result") for e in before)

    async with open_app() as client:  # same data folder, same database
        job = await finished(client, job_id, api_key)
        assert job["status"] == "completed_with_warnings", job
        download = await client.get(f"/api/v1/video/download/{job_id}", headers=api_key)
        assert download.status_code == 200 and len(download.content) > 1000

    events = _journal(data_dir, job_id)
    kinds = collections.Counter(e["event"] for e in events)
    assert kinds["job_started"] == 1 and kinds["job_resumed"] == 1
    assert kinds["job_finished"] == 1 and kinds["job_result"] == 1
    done = collections.Counter(e["node"] for e in events if e["event"] == "node_finished")
    for node in (
        "ingest",
        "moderate_input",
        "concept",
        "visual",
        "audio",
        "assembly",
        "qa_plan",
        "render_submit",
        "render_await",
        "compose",
        "qa_output",
        "publish",
    ):
        assert done[node] == 1, (node, done)
    restarted = [e["node"] for e in events[len(before) :] if e["event"] == "node_started"]
    assert restarted[0] == "compose", restarted


class _Photo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        data = sample("aurum-perfume.png").read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


async def test_reference_url_is_fetched_from_an_allowed_host(open_app: AppFactory) -> None:
    # A thread of its own: the test client blocks this loop while the request is handled.
    origin = ThreadingHTTPServer(("127.0.0.1", 0), _Photo)
    thread = threading.Thread(target=origin.serve_forever, daemon=True)
    thread.start()
    netloc = f"127.0.0.1:{origin.server_address[1]}"
    try:
        async with open_app(dev_mode=True, fetch_allow_hosts=(netloc,)) as client:
            url = f"http://{netloc}/aurum.png"
            body = {
                "content": BRIEF,
                "reference_image_url": url,
                "reference_image_b64": "",
                "duration_s": 6,
                "aspect_ratios": ["1:1"],
            }
            response = await client.post(PROMO, json=body)
            assert response.status_code == 202, response.text
            job = await finished(client, response.json()["job_id"], {})
            assert job["status"] == "completed_with_warnings"
            assert job["image_url"] == url
    finally:
        origin.shutdown()
        origin.server_close()


async def test_finished_job_calls_the_signed_webhook_and_records_attempts(
    open_app: AppFactory,
) -> None:
    handler = replies(Reply(503), Reply(200))
    async with LoopbackHTTP(handler) as receiver:
        async with open_app(
            dev_mode=True, fetch_allow_hosts=(receiver.netloc,), webhook_backoff_s=0.05
        ) as client:
            response = await client.post(
                PROMO, json=promo_body(webhook_url=receiver.url("/hooks/aistudio"))
            )
            assert response.status_code == 202, response.text
            secret = response.json()["webhook_secret"]
            job_id = response.json()["job_id"]
            job = await wait_for(client, job_id, {}, lambda j: bool(j["webhook_attempts"]))
        attempts = job["webhook_attempts"]
        assert [a["status"] for a in attempts] == [503, 200]
        assert "webhook_secret" not in job
        delivered = receiver.requests[-1]
        verify_webhook(secret, delivered.headers, delivered.body)
        payload = json.loads(delivered.body)
        assert payload["type"] == "job.completed_with_warnings"
        assert payload["data"]["job_id"] == job_id
        assert "video_1x1.mp4" in payload["data"]["assets"]


async def test_a_crashing_job_is_retried_from_its_checkpoint_then_failed(
    open_app: AppFactory, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "CRASH_BACKOFF_S", 0.05)
    async with open_app(compose_crash=True, dev_mode=True) as client:
        job_id = (await client.post(PROMO, json=promo_body())).json()["job_id"]
        job = await finished(client, job_id, {})
        assert job["status"] == "failed"
        assert job["error_message"] == "internal error (RuntimeError)"  # no internals
        other = await client.post(PROMO, json=promo_body(content="A second brief, same tools"))
        assert other.status_code == 202  # the service is still up for the next job
    kinds = collections.Counter(e["event"] for e in _journal(data_dir, job_id))
    assert kinds["job_started"] == 1
    assert kinds["job_resumed"] == service_module.CRASH_RETRIES
    done = collections.Counter(
        e["node"] for e in _journal(data_dir, job_id) if e["event"] == "node_finished"
    )
    assert done["ingest"] == 1 and done["render_await"] == 1  # resumed, not redone
