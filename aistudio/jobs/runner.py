"""In-process job runner: start or resume a job (a LangGraph thread) and stream its events.

Every event is appended to the job's journal (`<data>/jobs/<id>/events.jsonl`) with a
sequence number, so a watcher can resume from the last event it saw and a test can count
exactly which nodes ran in which process.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph.graph.state import CompiledStateGraph

from aistudio.artifacts import Brief
from aistudio.errors import InputError, NotFound
from aistudio.graph.checkpoint import sqlite_saver
from aistudio.graph.state import VideoInput
from aistudio.graph.video import build_video_graph
from aistudio.tools.toolbox import StudioContext, Toolbox

JOB_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
EventSink = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class JobResult:
    job_id: str
    status: str
    values: dict[str, Any]
    resumed: bool
    already_finished: bool


class Journal:
    """Append-only JSON-lines event log of one job."""

    def __init__(self, root: Path, job_id: str) -> None:
        self.path = root / "jobs" / job_id / "events.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._seq = self._last_seq()

    def _last_seq(self) -> int:
        if not self.path.exists():
            return 0
        lines = self.path.read_text().splitlines()
        return json.loads(lines[-1])["seq"] if lines else 0

    def append(self, event: dict[str, Any]) -> dict[str, Any]:
        self._seq += 1
        record = {"seq": self._seq, "ts": round(time.time(), 3), **event}
        with self.path.open("a") as fh:
            fh.write(json.dumps(record) + "\n")
        return record

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line]


def validate_job_id(job_id: str) -> str:
    if not JOB_ID_RE.match(job_id):
        raise InputError(
            "job id must be 1-64 characters of letters, digits, '.', '_' or '-'"
        )
    return job_id


async def store_reference(toolbox: Toolbox, image: Path) -> Any:
    """Store the user's photo as given; ingest validates it inside the graph."""
    limit = toolbox.settings.limits.max_file_bytes
    try:
        size = (await asyncio.to_thread(image.stat)).st_size
    except OSError as exc:
        raise InputError(f"cannot read image {image}: {exc.strerror}") from exc
    if size > limit:
        raise InputError(f"image {image} is {size} bytes; the limit is {limit}")
    data = await asyncio.to_thread(image.read_bytes)
    return await toolbox.storage.put_bytes(
        data, kind="reference", mime="application/octet-stream", ext="bin"
    )


class JobRunner:
    def __init__(self, toolbox: Toolbox) -> None:
        self.toolbox = toolbox
        self.settings = toolbox.settings

    async def run(
        self,
        job_id: str,
        *,
        brief: Brief | None = None,
        image: Path | None = None,
        out_dir: Path | None = None,
        on_event: EventSink | None = None,
    ) -> JobResult:
        """Start a new job, resume an unfinished one, or return a finished one as it is."""
        validate_job_id(job_id)
        journal = Journal(self.settings.data_dir, job_id)
        config: Any = {"configurable": {"thread_id": job_id}, "recursion_limit": 200}
        async with sqlite_saver(self.settings.checkpoint_db) as saver:
            graph = build_video_graph(self.settings.max_qa_retries).compile(checkpointer=saver)
            snapshot = await graph.aget_state(config)
            if snapshot.values and not snapshot.next:
                values = dict(snapshot.values)
                return JobResult(job_id, values.get("status", "unknown"), values, False, True)
            resumed = bool(snapshot.values)
            start: VideoInput | None = None
            if not resumed:
                if brief is None or image is None:
                    raise NotFound(f"job {job_id} does not exist; give a brief and an image")
                start = VideoInput(
                    job_id=job_id,
                    brief=brief,
                    reference=await store_reference(self.toolbox, image),
                    out_dir=str(out_dir) if out_dir else "",
                )
            record = journal.append({"event": "job_resumed" if resumed else "job_started"})
            if on_event:
                on_event(record)
            await self._stream(graph, start, config, journal, on_event)
            values = dict((await graph.aget_state(config)).values)
        status = values.get("status", "unknown")
        record = journal.append({"event": "job_finished", "status": status,
                                 "error": values.get("error")})
        if on_event:
            on_event(record)
        return JobResult(job_id, status, values, resumed, False)

    async def _stream(
        self,
        graph: CompiledStateGraph[Any, Any, Any, Any],
        start: VideoInput | None,
        config: Any,
        journal: Journal,
        on_event: EventSink | None,
    ) -> None:
        context = StudioContext(toolbox=self.toolbox)
        async for mode, chunk in graph.astream(
            start, config, context=context, stream_mode=["custom", "updates"]
        ):
            if mode != "custom" or not isinstance(chunk, dict):
                continue
            # Progress ticks are frequent: they go to the live display, not the journal.
            record = chunk if chunk.get("event") == "progress" else journal.append(chunk)
            if on_event:
                on_event(record)
