"""Job runner: start or resume a job (a LangGraph thread) and stream its events.

Every event goes to the run's `RunEvents` (the job store's events table, numbered per job),
so a watcher can resume from the last event it saw and a test can count exactly which
nodes ran in which process.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Self, cast

from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Durability

from aistudio.artifacts import Asset, Brief, QAReport
from aistudio.errors import InputError, NotFound
from aistudio.graph.checkpoint import open_saver
from aistudio.graph.video import build_video_graph
from aistudio.jobs.recorder import asset_keys
from aistudio.pipeline import (
    AWAITING_APPROVAL,
    JobEvent,
    JobFinished,
    JobPaused,
    JobResumed,
    JobStarted,
    QAVerdict,
    VideoInput,
)
from aistudio.tools.photo import read_photo_file
from aistudio.tools.toolbox import StudioContext, Toolbox
from aistudio.tools.tracing import RunLabels

log = logging.getLogger("aistudio.jobs")
JOB_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# The QA nodes, whose state updates carry the reports recorded as `qa_verdict` events.
_QA_REPORTS = {"qa_plan": "plan_qa", "qa_output": "output_qa"}


@dataclass(frozen=True)
class JobResult:
    job_id: str
    status: str
    values: dict[str, Any]
    resumed: bool
    already_finished: bool


class RunEvents(Protocol):
    """Where a run's events go (`aistudio.jobs.recorder.RunRecorder` writes them to the
    job store in batches)."""

    def add(self, event: JobEvent) -> None: ...

    def refer(self, keys: Iterable[str]) -> None: ...


class _Unrecorded:
    def add(self, event: JobEvent) -> None:
        return None

    def refer(self, keys: Iterable[str]) -> None:
        return None


def validate_job_id(job_id: str) -> str:
    if not JOB_ID_RE.match(job_id):
        raise InputError("job id must be 1-64 characters of letters, digits, '.', '_' or '-'")
    return job_id


async def store_reference(toolbox: Toolbox, image: Path) -> Any:
    """Store the user's photo as given; ingest validates it inside the graph."""
    data = await read_photo_file(image, toolbox.settings.limits.max_file_bytes)
    return await toolbox.storage.put_bytes(
        data, kind="reference", mime="application/octet-stream", ext="bin"
    )


class JobRunner:
    """Runs jobs on one compiled graph and one checkpoint connection, both opened on
    first use and kept for the runner's life (`async with JobRunner(...)` closes them)."""

    def __init__(self, toolbox: Toolbox, *, durability: Durability = "async") -> None:
        self.toolbox = toolbox
        # "sync": a node's checkpoint is written before the next node starts (queue workers:
        # a node another followed never runs again); "async", LangGraph's default, writes
        # it while the next node runs (~20 ms less CPU per job in bench/api.py; a crash may
        # redo the node that had just finished).
        self.durability: Durability = durability
        self.settings = toolbox.settings
        self._graph: CompiledStateGraph[Any, Any, Any, Any] | None = None
        self._resources = AsyncExitStack()
        self._opening = asyncio.Lock()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._resources.aclose()
        self._graph = None

    async def graph(self) -> CompiledStateGraph[Any, Any, Any, Any]:
        """The compiled graph with its checkpointer. Compiling inspects every node's code
        (tens of ms) and opening the saver sets up its tables: both happen once."""
        async with self._opening:
            if self._graph is None:
                saver = await self._resources.enter_async_context(open_saver(self.settings))
                self._graph = build_video_graph(self.settings.max_qa_retries).compile(
                    checkpointer=saver
                )
            return self._graph

    async def cancel_in_flight(self, job_id: str) -> int:
        """Cancel the provider requests a stopped job was waiting for (checkpointed by
        render_submit, not yet finished by render_await), so nobody keeps rendering — or
        billing — for a job that is gone. Returns how many were cancelled."""
        config: Any = {"configurable": {"thread_id": job_id}}
        snapshot = await (await self.graph()).aget_state(config)
        pending = [
            job
            for job in (snapshot.values or {}).get("render_jobs") or []
            if job.status == "submitted"
        ]
        # cancel() never raises for a provider that is down or already done: it logs.
        await asyncio.gather(*(self.toolbox.video.cancel(job) for job in pending))
        if pending:
            log.info(
                "job %s: cancelled %d provider request(s)",
                job_id,
                len(pending),
                extra={"job_id": job_id},
            )
        return len(pending)

    async def run(
        self,
        job_id: str,
        *,
        brief: Brief | None = None,
        image: Path | None = None,
        reference: Asset | None = None,
        out_dir: Path | None = None,
        events: RunEvents | None = None,
        approved: bool = False,
        revision: str | None = None,
        labels: RunLabels | None = None,
    ) -> JobResult:
        """Start a new job, resume an unfinished one, or return a finished one as it is.

        The photo is either a file (`image`, the CLI) or already in storage (`reference`,
        the server). A job paused for plan approval goes on only when `approved`, or plans
        again with a `revision` (an instruction) and pauses again; otherwise it is returned
        as it is, still `awaiting_approval`. `labels` name and tag the run
        for LangSmith (and logs): the caller knows the tenant.
        """
        validate_job_id(job_id)
        events = events or _Unrecorded()
        labels = labels or RunLabels("video", job_id=job_id, kind=brief.kind if brief else None)
        config: Any = {
            **self.toolbox.tracing.config(labels),
            "configurable": {"thread_id": job_id},
            "recursion_limit": 200,
        }
        graph = await self.graph()
        snapshot = await graph.aget_state(config)
        if snapshot.values and not snapshot.next:
            values = dict(snapshot.values)
            return JobResult(job_id, values.get("status", "unknown"), values, False, True)
        resumed = bool(snapshot.values)
        start: VideoInput | Command[Any] | None = None
        if not resumed:
            missing = NotFound(f"job {job_id} does not exist; give a brief and an image")
            if brief is None:
                raise missing
            if reference is None:
                if image is None:
                    raise missing
                reference = await store_reference(self.toolbox, image)
            start = VideoInput(
                job_id=job_id,
                brief=brief,
                reference=reference,
                out_dir=str(out_dir) if out_dir else "",
            )
        elif snapshot.interrupts:
            # Paused for plan approval (render_submit). Not approved (say the process
            # died between the pause and recording it): never go on to a paid render.
            if revision:
                start = Command(resume={"revise": revision})
            elif approved:
                start = Command(resume={"approved": True})
            else:
                return JobResult(job_id, AWAITING_APPROVAL, dict(snapshot.values), True, False)
        events.add(JobResumed() if resumed else JobStarted())
        if not resumed:
            events.refer(asset_keys(start))
        try:
            await self._stream(graph, start, config, events)
        finally:
            await self.toolbox.tracing.flush()  # a no-op unless tracing is on
        final = await graph.aget_state(config)
        values = dict(final.values)
        paused = bool(final.interrupts)
        status = AWAITING_APPROVAL if paused else values.get("status", "unknown")
        ended: JobEvent = (
            JobPaused(status=AWAITING_APPROVAL, error=values.get("error"))
            if paused
            else JobFinished(status=status, error=values.get("error"))
        )
        events.add(ended)
        return JobResult(job_id, status, values, resumed, False)

    async def _stream(
        self,
        graph: CompiledStateGraph[Any, Any, Any, Any],
        start: VideoInput | Command[Any] | None,
        config: Any,
        events: RunEvents,
    ) -> None:
        context = StudioContext.of(self.toolbox)
        walked: set[int] = set()  # models whose assets were recorded already
        # subgraphs=True: the planning subgraph's nodes report from inside it.
        async for _namespace, mode, chunk in graph.astream(
            start,
            config,
            context=context,
            stream_mode=["custom", "updates"],
            subgraphs=True,
            durability=self.durability,
        ):
            if mode == "updates":
                for verdict in qa_verdicts(chunk):
                    events.add(verdict)
                events.refer(asset_keys(chunk, walked))
            else:
                events.add(cast(JobEvent, chunk))  # what our nodes write (NodeEvent)


def qa_verdicts(update: Any) -> list[QAVerdict]:
    """The QA reports of one `updates` chunk ({node: partial state}) as job events.
    Only the QA nodes' own updates count: a subgraph's update to its parent repeats them."""
    found = []
    for name, key in _QA_REPORTS.items():
        partial = update.get(name) if isinstance(update, dict) else None
        report = partial.get(key) if isinstance(partial, dict) else None
        if isinstance(report, QAReport):
            found.append(
                QAVerdict(
                    stage=report.stage,
                    passed=report.passed,
                    attempt=report.attempt,
                    violations=list(report.violations),
                    redo=report.redo,
                )
            )
    return found
