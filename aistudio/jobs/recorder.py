"""Record one run of a job: its events, its stage and progress, the stored objects it made.

The runner hands every graph event to `RunRecorder.add` (synchronously, on the loop); the
recorder writes them in batches, each one transaction that also moves the row's stage and
progress and records the run's new asset references (see `JobStore.record`). A batch goes
out `flush_s` after its first event, so a fast job costs a few writes, not one per event
(bench/api.py), and a watcher sees an event at most `flush_s` late.

A run that may lose its job to someone else (a queue that handed it to another worker, a
server that adopted it after this one's lease ran out, a cancel that cleared the owner)
records with `owner`: the first batch refused for it calls `on_lost`, and nothing of that
run is written afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Self

from pydantic import BaseModel

from aistudio.artifacts import Asset
from aistudio.jobs.progress import ProgressTracker
from aistudio.jobs.store import Event, JobStore
from aistudio.pipeline import JobEvent, JobProgress, JobStage, NodeProgress

log = logging.getLogger("aistudio.jobs")
FLUSH_S = 0.5


def asset_keys(value: Any, seen: set[int] | None = None) -> set[str]:
    """Storage keys of every `Asset` inside a (partial) graph state. With `seen` (ids of
    the models walked before in this run: a subgraph's result reaches its parent as the
    same objects), a model is walked once."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if seen is not None and isinstance(item, BaseModel):
            if id(item) in seen:
                continue
            seen.add(id(item))
        if isinstance(item, Asset):
            found.add(item.key)
        elif isinstance(item, BaseModel):
            stack.extend(item.__dict__.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return found


class RunRecorder:
    """The events of one run of `job_id`, written in batches (`async with` flushes the rest)."""

    def __init__(
        self,
        store: JobStore,
        job_id: str,
        *,
        wake: Callable[[str], None] | None = None,
        owner: str | None = None,
        on_lost: Callable[[], None] | None = None,
        on_event: Callable[[JobEvent], None] | None = None,
        update_row: bool = True,
        flush_s: float = FLUSH_S,
    ) -> None:
        self.store = store
        self.job_id = job_id
        self.owner = owner
        self.lost = False
        self.tracker = ProgressTracker()
        self._wake = wake
        self._on_lost = on_lost
        self._on_event = on_event
        self._update_row = update_row
        self._flush_s = flush_s
        self._events: list[Event] = []
        self._keys: set[str] = set()
        self._known: set[str] = set()
        self._row: tuple[JobStage | None, int] = (None, 0)
        self._pending = asyncio.Event()
        self._writing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._batch: asyncio.Future[list[Event]] | None = None

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._flusher(), name=f"events:{self.job_id}")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # The last batch is written even when the run was cancelled (shielded: the caller
        # may be cancelled while it waits for the write).
        await asyncio.shield(self._last_flush())

    async def _last_flush(self) -> None:
        if self._batch is not None:
            await self._batch  # a timed batch still being written goes first
        await self.flush()

    # -- what the runner calls ----------------------------------------------------------
    def add(self, event: JobEvent) -> None:
        """One event of the run. Progress ticks (frequent) fold into `job_progress` steps of
        PROGRESS_STEP; they reach only `on_event` (a live display) as they are."""
        if self._on_event is not None:
            self._on_event(event)
        changed = self.tracker.observe(event)
        if isinstance(event, NodeProgress):
            if not changed:
                return
            event = JobProgress(stage=self.tracker.stage, progress=self.tracker.reported)
        self._events.append({**event.model_dump(mode="json"), "ts": round(time.time(), 3)})
        self._pending.set()

    def refer(self, keys: Iterable[str]) -> None:
        """Stored objects the run now refers to (recorded with the next batch)."""
        fresh = set(keys) - self._known
        if fresh:
            self._keys |= fresh
            self._known |= fresh

    # -- writing --------------------------------------------------------------------------
    async def _flusher(self) -> None:
        while True:
            await self._pending.wait()
            await asyncio.sleep(self._flush_s)
            # Its own task, shielded: the run's end cancels this loop, and a batch taken
            # out of the buffer must still reach the database (cancelling its write lost
            # job_started and the first nodes of fast runs on a busy database).
            self._batch = asyncio.ensure_future(self.flush())
            await asyncio.shield(self._batch)

    async def flush(self) -> list[Event]:
        """Write what is buffered now (one transaction); the records as stored."""
        async with self._writing:
            self._pending.clear()
            state = (self.tracker.stage, self.tracker.reported)
            values = None
            if self._update_row and state != self._row:
                values = {"stage": state[0], "progress": state[1]}
            if self.lost or not (self._events or self._keys or values):
                return []
            events, keys = self._events, self._keys
            self._events, self._keys = [], set()
            records = await self.store.record(
                self.job_id, events, values=values, fence=self.owner, asset_keys=keys
            )
            if records is None:
                self.lost = True
                log.warning(
                    "job %s is no longer this run's; stopping it",
                    self.job_id,
                    extra={"job_id": self.job_id},
                )
                if self._on_lost is not None:
                    self._on_lost()
                return []
            self._row = state
        if self._wake is not None:
            self._wake(self.job_id)
        return records
