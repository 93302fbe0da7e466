"""Several servers on one job store: a job runs on one of them at a time, a dead server's
jobs are adopted when their lease runs out, a cancel on one server stops the run on the
other, and a job waiting for approval past its deadline is cancelled."""

from __future__ import annotations

import asyncio
import collections
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from aistudio.jobs.embedded import EmbeddedScheduler
from aistudio.jobs.lease import InstanceSlot
from aistudio.jobs.service import JobService
from tests.conftest import stored_events
from tests.server.conftest import AppFactory, Client, finished, new_key, promo_body, wait_for

PROMO = "/api/v1/video/generate-promo-video"
FAST_LEASES: dict[str, Any] = {"heartbeat_s": 0.2, "lease_ttl_s": 1.5}


def service_of(client: Client) -> EmbeddedScheduler:
    """The app's embedded runner (the scheduler that holds leases)."""
    service: JobService = client.app.state.service
    assert isinstance(service.scheduler, EmbeddedScheduler)
    return service.scheduler


def upkeep_of(client: Client) -> asyncio.Task[None]:
    service: JobService = client.app.state.service
    assert service._upkeep is not None
    return service._upkeep


def started(database: str | Path, job_id: str) -> collections.Counter[str]:
    return collections.Counter(
        e["event"]
        for e in stored_events(database, job_id)
        if e["event"] in ("job_started", "job_resumed")
    )


def test_instance_slots_are_exclusive_and_come_back_after_a_restart(tmp_path: Path) -> None:
    first, second = InstanceSlot(tmp_path), InstanceSlot(tmp_path)
    name0, name1 = first.acquire(), second.acquire()
    assert name0.endswith(":0") and name1.endswith(":1")
    first.release()  # the process died: its slot (and so its name) is free again
    again = InstanceSlot(tmp_path)
    assert again.acquire() == name0
    again.release()
    second.release()


async def _checkpoints_in(db_url: str, job_id: str) -> int:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                text("SELECT count(*) FROM checkpoints WHERE thread_id = :id"), {"id": job_id}
            )
            return int(found.scalar_one())
    finally:
        await engine.dispose()


async def test_a_held_job_is_left_alone_then_adopted_when_its_server_dies(
    open_app: AppFactory, data_dir: Path, db_url: str
) -> None:
    """On SQLite (checkpoints in the data folder) and on Postgres (jobs and checkpoints in
    the database): the second server resumes the job where the first one stopped."""
    # Dev mode: no API key to add through the app's store, whose asyncpg connections belong
    # to the test client's loop, not this one.
    servers = {**FAST_LEASES, "database_url": db_url, "dev_mode": True}
    headers: dict[str, str] = {}
    async with open_app(compose_delay_s=60, **servers) as first:
        job_id = (await first.post(PROMO, json=promo_body(), headers=headers)).json()["job_id"]
        await wait_for(first, job_id, headers, lambda job: job["stage"] == "compose")
        if db_url.startswith("postgresql"):
            assert await _checkpoints_in(db_url, job_id) > 0
            assert not (data_dir / "checkpoints.sqlite").exists()
        async with open_app(**servers) as second:
            a, b = service_of(first), service_of(second)
            assert a.leases.owner != b.leases.owner
            await asyncio.sleep(3 * FAST_LEASES["heartbeat_s"])  # b beats, sees a's lease
            assert job_id not in b._tasks
            assert started(db_url, job_id) == {"job_started": 1}

            # The first server hangs (no heartbeat, its run stopped, lease kept): once the
            # lease runs out the second adopts the job and finishes it from its checkpoint.
            upkeep_of(first).cancel()
            a._tasks[job_id].cancel()
            job = await finished(second, job_id, headers)
            assert job["status"] == "completed_with_warnings", job
            assert started(db_url, job_id) == {"job_started": 1, "job_resumed": 1}
            resumed_at = [e for e in stored_events(db_url, job_id) if e["event"] == "node_started"]
            assert [e["node"] for e in resumed_at].count("compose") == 2  # nothing else redone


async def test_a_cancel_on_one_server_stops_the_run_on_the_other(
    open_app: AppFactory,
) -> None:
    async with open_app(compose_delay_s=60, **FAST_LEASES) as first:
        headers = await new_key(first, "acme")
        job_id = (await first.post(PROMO, json=promo_body(), headers=headers)).json()["job_id"]
        await wait_for(first, job_id, headers, lambda job: job["stage"] == "compose")
        run = service_of(first)._tasks[job_id]
        async with open_app(**FAST_LEASES) as second:
            response = await second.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
            assert response.status_code == 200 and response.json()["status"] == "cancelled"
            await asyncio.wait({run}, timeout=10)  # the first server's next heartbeat
            assert run.done() and job_id not in service_of(first)._tasks
            job = (await first.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
            assert job["status"] == "cancelled" and job["error_message"] == "cancelled by request"


async def test_waiting_for_approval_past_the_deadline_cancels_the_job(
    open_app: AppFactory,
) -> None:
    async with open_app(**FAST_LEASES) as client:
        headers = await new_key(client, "acme")
        body = promo_body(approve_plan=True, deadline_s=600)
        job_id = (await client.post(PROMO, json=body, headers=headers)).json()["job_id"]
        await wait_for(client, job_id, headers, lambda job: job["status"] == "awaiting_approval")
        # The deadline passes while it waits (a short deadline_s would race planning, which
        # takes seconds on a loaded machine).
        past = datetime.now(UTC) - timedelta(seconds=1)
        await client.app.state.store.update(job_id, deadline_at=past)
        job = await finished(client, job_id, headers)
        assert job["status"] == "cancelled" and job["error_message"] == "deadline exceeded"
