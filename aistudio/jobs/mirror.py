"""Fold a running job's graph events into the stage and progress the API reports."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aistudio.jobs.progress import ProgressTracker
from aistudio.jobs.runner import Journal
from aistudio.jobs.store import JobStore
from aistudio.pipeline import JobEvent, JobProgress, JobStage, NodeProgress

# The row catches up with a running job's progress at most this often. Reads in the
# process that runs the job see it live (`live`); watchers of every step follow the events.
ROW_WRITE_S = 0.5
Live = dict[str, tuple[JobStage | None, int]]


async def mirror_progress(
    job_id: str,
    events: asyncio.Queue[JobEvent | None],
    journal: Journal,
    *,
    store: JobStore,
    live: Live,
    notify: Callable[[str], None],
) -> None:
    """Until the `None` that ends the run: journal progress steps (SSE), keep the job's
    (stage, progress) in `live`, and write it to the row at most every ROW_WRITE_S and once
    at the end. (A row write per stage change was a third of a fast job's orchestration
    cost in bench/api.py.)"""
    tracker = ProgressTracker()
    written: tuple[JobStage | None, int] = (None, 0)
    last_write = time.monotonic()
    try:
        while True:
            batch = [await events.get()]
            while not events.empty():  # coalesce a burst into one pass
                batch.append(events.get_nowait())
            for event in batch:
                if event is not None and tracker.observe(event) and isinstance(event, NodeProgress):
                    journal.append(JobProgress(stage=tracker.stage, progress=tracker.reported))
            done = any(event is None for event in batch)
            state = (tracker.stage, tracker.reported)
            live[job_id] = state
            if state != written and (done or time.monotonic() - last_write >= ROW_WRITE_S):
                await store.update(job_id, stage=state[0], progress=state[1])
                written, last_write = state, time.monotonic()
            notify(job_id)
            if done:
                return
    finally:
        live.pop(job_id, None)
