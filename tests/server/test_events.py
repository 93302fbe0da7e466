"""The job events table on SQLite and PostgreSQL: numbering under concurrent writers, the
status change and its event in one transaction, the owner fence, and NOTIFY waking a
stream on another connection; a run's recorder that loses no batch when the run ends while
one is being written."""

from __future__ import annotations

import asyncio
import time

import psycopg

from aistudio.graph.checkpoint import libpq_url
from aistudio.jobs.events import CHANNEL, EventHub
from aistudio.jobs.models import JobRow
from aistudio.jobs.recorder import RunRecorder
from aistudio.jobs.store import Event, JobStore, open_store
from aistudio.pipeline import JobFinished, JobStarted, NodeFinished, NodeStarted


def _row(job_id: str, owner: str | None = None) -> JobRow:
    return JobRow(
        id=job_id,
        tenant="acme",
        kind="promo",
        user_content="x",
        request={},
        request_hash="h",
        reference={"key": f"objects/reference/{job_id}.bin"},
        owner=owner,
    )


async def test_concurrent_writers_number_a_jobs_events_without_gaps(db_url: str) -> None:
    async with open_store(db_url) as store:
        await store.insert(_row("job-1"), {"event": "job_queued"})
        await store.insert(_row("job-2"), {"event": "job_queued"})

        async def write(job_id: str, n: int) -> None:
            for i in range(n):
                events = [{"event": "tick", "i": i, "part": part} for part in range(3)]
                assert await store.record(job_id, events) is not None

        await asyncio.gather(write("job-1", 8), write("job-1", 8), write("job-2", 8))
        one = await store.events_after("job-1", 0)
        assert [e["seq"] for e in one] == list(range(1, 1 + 1 + 2 * 8 * 3))
        two = await store.events_after("job-2", 0)
        assert [e["seq"] for e in two] == list(range(1, 1 + 1 + 8 * 3))
        rest = await store.events_after("job-1", 40)
        assert [e["seq"] for e in rest] == list(range(41, 50))
        assert all(e["event"] == "tick" and "ts" in e for e in rest)


async def test_a_status_change_and_its_event_are_one_write_and_fenced(db_url: str) -> None:
    async with open_store(db_url) as store:
        await store.insert(_row("job-1", owner="run-a"), {"event": "job_queued"})
        # Another run owns it now: the old run's batch and ending are refused whole.
        assert await store.record("job-1", [{"event": "x"}], fence="run-b") is None
        assert (
            await store.transition(
                "job-1", ("queued",), {"event": "job_result"}, fence="run-b", status="failed"
            )
            is None
        )
        done = await store.transition(
            "job-1", ("queued",), {"event": "job_result"}, fence="run-a", status="completed"
        )
        assert done is not None and done[0]["seq"] == 2
        # Ended: a second ending (a cancel racing it) changes nothing and adds no event.
        assert await store.transition("job-1", ("queued",), {"event": "job_result"}) is None
        assert [e["event"] for e in await store.events_after("job-1", 0)] == [
            "job_queued",
            "job_result",
        ]


async def test_a_run_that_ends_while_its_batch_is_being_written_keeps_the_batch(
    db_url: str,
) -> None:
    """The recorder's timed flush was cancelled with the run's end: a batch in the middle of
    its write (a busy database) was dropped, job_started and the first nodes with it (seen in
    queue mode as jobs with no job_started at all)."""
    async with open_store(db_url) as store:
        await store.insert(_row("job-1", owner="run-a"), {"event": "job_queued"})
        writing = asyncio.Event()
        record = store.record

        async def busy_record(*args: object, **kwargs: object) -> list[Event] | None:
            writing.set()
            await asyncio.sleep(0.3)  # the database is slow to answer
            return await record(*args, **kwargs)  # type: ignore[arg-type]

        slow = JobStore(store.engine)
        slow.record = busy_record  # type: ignore[method-assign]
        async with RunRecorder(slow, "job-1", owner="run-a", flush_s=0.01) as recorder:
            recorder.add(JobStarted())
            recorder.add(NodeStarted(node="ingest"))
            await asyncio.wait_for(writing.wait(), 5)  # the timed flush has the first batch
            recorder.add(NodeFinished(node="ingest", seconds=0.1))
            recorder.add(JobFinished(status="completed"))
        events = await store.events_after("job-1", 0)
        assert [e["event"] for e in events] == [
            "job_queued",
            "job_started",
            "node_started",
            "node_finished",
            "job_finished",
        ]
        assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]


async def test_notify_wakes_a_stream_waiting_on_another_connection(pg_url: str) -> None:
    hub = EventHub(libpq_url(pg_url))
    await hub.start()
    try:
        await asyncio.wait_for(hub.listening.wait(), 30)
        waiting = asyncio.create_task(hub.wait("job-1", timeout_s=20))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        async with await psycopg.AsyncConnection.connect(libpq_url(pg_url)) as conn:
            await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, "job-1"))
            await conn.commit()
        await asyncio.wait_for(waiting, 20)
        assert time.monotonic() - started < 2.0  # woken, not timed out
    finally:
        await hub.stop()
