"""Queue mode (SAQ on PostgreSQL): the API enqueues, workers run, any API instance streams
any job's events, cancel reaches the worker, and a job past its attempts fails."""

from __future__ import annotations

import asyncio
import base64
import collections
import dataclasses
import json
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from saq.job import TERMINAL_STATUSES, Status

from tests.conftest import stored_events
from tests.server.cluster import Cluster, queue_env
from tests.server.conftest import finished, promo_body, sse_events, wait_for
from tests.server.fakes import fast_toolbox
from tests.server.queue_fixtures import (
    HeldVideo,
    api,
    eventually,
    queue_settings,
    saq_job,
    worker,
)

PROMO = "/api/v1/video/generate-promo-video"
NO_KEY: dict[str, str] = {}
JOBS_AT_ONCE = 16


async def _stream(base: str, job_id: str, after: int = 0) -> list[dict[str, str]]:
    headers = {"Last-Event-ID": str(after)} if after else {}
    async with (
        httpx.AsyncClient(base_url=base, timeout=120) as client,
        client.stream("GET", f"/api/v1/jobs/{job_id}/events", headers=headers) as response,
    ):
        assert response.status_code == 200
        return sse_events((await response.aread()).decode())


async def test_sse_on_instance_b_streams_every_event_of_a_job_submitted_to_a(
    data_dir: Path, pg_url: str, tmp_path: Path
) -> None:
    """A: this process's app; B: another process; the worker: a task here."""
    settings = queue_settings(data_dir, pg_url)
    other = Cluster(queue_env(data_dir, pg_url), logs=tmp_path)
    try:
        b = await other.start_api("b")
        async with api(settings, fast_toolbox(settings)) as a:
            job_id = (await a.post(PROMO, json=promo_body())).json()["job_id"]
            # Connected before any worker runs it: everything after job_queued comes live.
            stream = asyncio.create_task(_stream(b, job_id))
            await asyncio.sleep(1.0)
            assert not stream.done()
            async with worker(settings, fast_toolbox(settings, compose_delay_s=1.0)):
                seen = await asyncio.wait_for(stream, 120)
            stored = stored_events(pg_url, job_id)
            ids = [int(e["id"]) for e in seen]
            assert ids == [e["seq"] for e in stored] == list(range(1, len(stored) + 1))
            assert [e["event"] for e in seen] == [e["event"] for e in stored]
            kinds = collections.Counter(e["event"] for e in stored)
            assert kinds["job_queued"] == kinds["job_started"] == kinds["job_result"] == 1
            assert kinds["node_finished"] >= 10 and kinds["job_progress"] > 0
            result = json.loads(seen[-1]["data"])
            assert seen[-1]["event"] == "job_result"
            assert result["status"] == "completed_with_warnings", result
            # Resuming on B from the middle gives exactly the rest.
            middle = ids[len(ids) // 2]
            rest = await _stream(b, job_id, after=middle)
            assert [int(e["id"]) for e in rest] == ids[ids.index(middle) + 1 :]
            job = (await a.get(f"/api/v1/jobs/{job_id}")).json()
            assert job["progress"] == 100 and job["stage"] == "done"
    finally:
        other.stop_all()


async def test_cancel_aborts_the_workers_run_and_its_provider_requests(
    data_dir: Path, pg_url: str
) -> None:
    settings = queue_settings(data_dir, pg_url)
    held = HeldVideo()
    worker_tools = dataclasses.replace(fast_toolbox(settings), video=held)
    async with api(settings, fast_toolbox(settings)) as client:
        async with worker(settings, worker_tools):
            job_id = (await client.post(PROMO, json=promo_body())).json()["job_id"]
            await asyncio.wait_for(held.waiting.wait(), 120)  # in render_await
            submitted = list(held.submitted)
            assert submitted
            response = await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=NO_KEY)
            assert response.status_code == 200 and response.json()["status"] == "cancelled"

            async def providers_cancelled() -> bool:  # the worker's abort poll, then cancels
                return sorted(held.cancelled) == sorted(submitted)

            async def run_over() -> bool:  # aborted by SAQ, or ended by its fenced write
                job = await saq_job(settings, job_id)
                return job is not None and job.status in TERMINAL_STATUSES

            await eventually(providers_cancelled)
            await eventually(run_over)
        events = stored_events(pg_url, job_id)
        assert events[-1]["event"] == "job_result"  # the aborted run wrote nothing after it
        assert events[-1]["status"] == "cancelled"
        assert "job_finished" not in [e["event"] for e in events]
        assert not held.release.is_set()


async def test_a_job_past_its_attempts_fails_with_the_last_error(
    data_dir: Path, pg_url: str
) -> None:
    settings = queue_settings(data_dir, pg_url, attempts=2)
    async with (
        api(settings, fast_toolbox(settings)) as client,
        worker(settings, fast_toolbox(settings, compose_crash=True)),
    ):
        job_id = (await client.post(PROMO, json=promo_body())).json()["job_id"]
        job = await finished(client, job_id, NO_KEY)
        assert job["status"] == "failed"
        assert job["error_message"] == "internal error (RuntimeError) after 2 attempts"
        assert "/srv/secret" not in json.dumps(job)
        kinds = collections.Counter(e["event"] for e in stored_events(pg_url, job_id))
        assert kinds["job_started"] == 1 and kinds["job_resumed"] == 1  # two runs
        # The second run resumed at compose: nothing before it ran twice.
        done = collections.Counter(
            e["node"] for e in stored_events(pg_url, job_id) if e["event"] == "node_finished"
        )
        assert done["ingest"] == 1 and done["render_await"] == 1 and done["compose"] == 0
        saq = await saq_job(settings, job_id)
        assert saq is not None and saq.status == Status.FAILED and saq.attempts == 2


async def test_a_job_whose_worker_dies_once_too_often_fails(
    data_dir: Path, pg_url: str, tmp_path: Path
) -> None:
    """SIGKILL the worker mid-compose with one attempt allowed: the next worker's sweep
    finds the job's heartbeat gone, SAQ gives up, and the job ends failed, saying why."""
    settings = queue_settings(data_dir, pg_url, attempts=1)
    doomed = Cluster(queue_env(data_dir, pg_url), tools="slow", logs=tmp_path)
    async with api(settings, fast_toolbox(settings)) as client:
        job_id = (await client.post(PROMO, json=promo_body())).json()["job_id"]
        try:
            doomed.start_worker("doomed")
            await wait_for(client, job_id, NO_KEY, lambda job: job["stage"] == "compose")
            doomed.kill("doomed")
        finally:
            doomed.stop_all()
        async with worker(settings, fast_toolbox(settings)):
            job = await finished(client, job_id, NO_KEY)
    assert job["status"] == "failed"
    assert job["error_message"] == "its worker stopped responding (after 1 attempts)"
    saq = await saq_job(settings, job_id)
    assert saq is not None and saq.status == Status.ABORTED


async def test_a_tenant_runs_no_more_jobs_at_once_than_its_lanes(
    data_dir: Path, pg_url: str
) -> None:
    settings = queue_settings(data_dir, pg_url, tenant_concurrency=1, concurrency=3)
    async with (
        api(settings, fast_toolbox(settings)) as client,
        worker(settings, fast_toolbox(settings, compose_delay_s=0.5)),
    ):
        ids = [(await client.post(PROMO, json=promo_body())).json()["job_id"] for _ in range(2)]
        for job_id in ids:
            await wait_for(client, job_id, NO_KEY, lambda job: job["status"] != "queued")
            assert (await finished(client, job_id, NO_KEY))["status"] == "completed_with_warnings"
    first, second = (stored_events(pg_url, job_id) for job_id in ids)
    ended = next(e["ts"] for e in first if e["event"] == "job_result")
    began = next(e["ts"] for e in second if e["event"] == "job_started")
    assert began >= ended  # one lane: the second started once the first was done


async def test_the_queue_monitor_is_behind_the_admin_key(data_dir: Path, pg_url: str) -> None:
    settings = queue_settings(data_dir, pg_url)
    async with api(settings, fast_toolbox(settings)) as client:
        # No key set: no monitor (the web studio may answer its own page for the path).
        unmounted = await client.get("/admin/queue/api/queues")
        assert unmounted.status_code == 404 or "json" not in unmounted.headers["content-type"]
    settings.server = settings.server.model_copy(update={"admin_key": SecretStr("s3cret")})
    async with api(settings, fast_toolbox(settings)) as client:
        denied = await client.get("/admin/queue/api/queues")
        assert denied.status_code == 401
        assert denied.headers["www-authenticate"].startswith("Basic")
        wrong = base64.b64encode(b"ops:guess").decode()
        assert (
            await client.get("/admin/queue/api/queues", headers={"Authorization": f"Basic {wrong}"})
        ).status_code == 401
        right = base64.b64encode(b"ops:s3cret").decode()
        listing = await client.get(
            "/admin/queue/api/queues", headers={"Authorization": f"Basic {right}"}
        )
        assert listing.status_code == 200, listing.text
        assert [q["name"] for q in listing.json()["queues"]] == ["aistudio"]
        page = await client.get("/admin/queue", headers={"X-Admin-Key": "s3cret"})
        assert page.status_code == 200 and "app.js" in page.text
        script = await client.get("/admin/queue/static/app.js", headers={"X-Admin-Key": "s3cret"})
        assert script.status_code == 200


@pytest.mark.slow
async def test_every_job_a_worker_process_runs_starts_once_before_its_first_node(
    data_dir: Path, pg_url: str, tmp_path: Path
) -> None:
    """Two worker processes, four jobs at once each, tools replayed (fast runs, a busy
    database): every job's events have exactly one job_started, before its first node's.
    The recorder once dropped a batch still being written when a fast run ended, and with
    it job_started. (A long heartbeat: a sweep of a starved worker would resume a job.)"""
    settings = queue_settings(data_dir, pg_url)
    env = queue_env(
        data_dir, pg_url, AISTUDIO_QUEUE__CONCURRENCY="4", AISTUDIO_QUEUE__HEARTBEAT_S="120"
    )
    workers = Cluster(env, tools="replay", logs=tmp_path)
    async with api(settings, fast_toolbox(settings)) as client:
        try:
            workers.start_worker("w0")
            workers.start_worker("w1")
            warm = (await client.post(PROMO, json=promo_body())).json()["job_id"]
            await finished(client, warm, NO_KEY)  # every tool's result on disk: replays
            answers = await asyncio.gather(
                *(client.post(PROMO, json=promo_body()) for _ in range(JOBS_AT_ONCE))
            )
            ids = [warm, *(answer.json()["job_id"] for answer in answers)]
            for job_id in ids:
                job = await finished(client, job_id, NO_KEY)
                assert job["status"] == "completed_with_warnings", job
        finally:
            workers.stop_all()
    for job_id in ids:
        events = stored_events(pg_url, job_id)
        kinds = [e["event"] for e in events]
        assert kinds.count("job_started") == 1 and "job_resumed" not in kinds, (job_id, kinds)
        assert kinds.index("job_started") < kinds.index("node_started"), (job_id, kinds)
        # No batch lost later either: every node that started finished, and the run ended.
        began = sorted(e["node"] for e in events if e["event"] == "node_started")
        ended = sorted(e["node"] for e in events if e["event"] == "node_finished")
        assert began == ended and "publish" in ended, (job_id, kinds)
        assert kinds[-2:] == ["job_finished", "job_result"], (job_id, kinds)
