"""Conversations with the brief agent: threads (owned by a tenant, in the job store) whose
messages and brief are LangGraph checkpoints in the same saver as jobs, and runs of the
brief graph on them (background, wait, stream), one at a time per thread.

Runs live in this process: a restart loses runs in flight (their thread keeps every
checkpoint written so far) but never a thread.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Any, Self, cast

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from aistudio.errors import AppError, Conflict, InputError, NotFound
from aistudio.graph.brief import BRIEF_GRAPH_ID, build_brief_graph
from aistudio.jobs.agent_options import RunOptions
from aistudio.jobs.agent_runs import (
    EVENT_OF_MODE,
    GRAPH_MODES,
    AgentRun,
    isoformat,
    snapshot_json,
    to_json,
)
from aistudio.jobs.models import ThreadRow, utcnow
from aistudio.jobs.threads import ThreadStore
from aistudio.nodes.brief_ports import BriefContext
from aistudio.tools.tracing import RunLabels, Tracing

log = logging.getLogger("aistudio.agent")
ASSISTANT_ID = str(uuid.uuid5(uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8"), BRIEF_GRAPH_ID))
ASSISTANT_NAMES = frozenset({ASSISTANT_ID, BRIEF_GRAPH_ID})
UPDATABLE = frozenset({"messages", "brief"})
MAX_RUNS_KEPT = 50  # finished runs remembered per thread


def thread_uuid(thread_id: str) -> str:
    try:
        return str(uuid.UUID(thread_id))
    except ValueError:
        raise InputError("thread_id must be a UUID") from None


class Conversations:
    """Threads and runs of the brief agent for every tenant of this server."""

    def __init__(
        self,
        threads: ThreadStore,
        context: Callable[[str], BriefContext],
        open_checkpointer: Callable[[], AbstractAsyncContextManager[BaseCheckpointSaver[Any]]],
        tracing: Tracing,
    ) -> None:
        """`context(tenant)` builds a run's runtime context (toolbox, chat model, job desk
        for that tenant, planning previewer); `open_checkpointer` opens the saver jobs use;
        `tracing` names and tags every run (and traces it to LangSmith when that is on)."""
        self.threads = threads
        self.context = context
        self.tracing = tracing
        self._graph_ids = {"graph_id": BRIEF_GRAPH_ID, "assistant_id": ASSISTANT_ID}
        self._open_saver = open_checkpointer
        self._graph: CompiledStateGraph[Any, Any, Any, Any] | None = None
        self._resources = AsyncExitStack()
        self._runs: dict[str, dict[str, AgentRun]] = {}  # thread -> run id -> run
        self._locks: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> Self:
        saver = await self._resources.enter_async_context(self._open_saver())
        self._graph = build_brief_graph().compile(checkpointer=saver, name=BRIEF_GRAPH_ID)
        await self.threads.reset_busy(utcnow())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        tasks = [r.task for runs in self._runs.values() for r in runs.values() if r.task]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.tracing.flush()  # what the cancelled runs traced still reaches LangSmith
        await self._resources.aclose()

    @property
    def graph(self) -> CompiledStateGraph[Any, Any, Any, Any]:
        if self._graph is None:
            raise RuntimeError("Conversations used outside `async with`")
        return self._graph

    # -- assistants ---------------------------------------------------------------------
    @staticmethod
    def check_assistant(assistant_id: str) -> None:
        """As langgraph-api: an unknown UUID is not found, any other name is invalid."""
        if assistant_id in ASSISTANT_NAMES:
            return
        try:
            uuid.UUID(assistant_id)
        except ValueError:
            raise InputError(
                f"invalid assistant {assistant_id!r}: use an assistant's UUID or the graph "
                f"{BRIEF_GRAPH_ID!r}"
            ) from None
        raise NotFound(f"assistant {assistant_id} not found")

    @classmethod
    def assistant(cls, assistant_id: str) -> dict[str, Any]:
        cls.check_assistant(assistant_id)
        return {
            "assistant_id": ASSISTANT_ID,
            "graph_id": BRIEF_GRAPH_ID,
            "config": {},
            "context": {},
            "metadata": {"created_by": "system"},
            "name": BRIEF_GRAPH_ID,
            "description": "Talks a video brief into shape, previews its storyboard, renders it.",
            "version": 1,
            "created_at": "2026-12-04T00:00:00+00:00",
            "updated_at": "2026-12-04T00:00:00+00:00",
        }

    # -- threads ------------------------------------------------------------------------
    @staticmethod
    def _config(thread_id: str, checkpoint_id: str | None = None) -> Any:
        configurable = {"thread_id": thread_id, "checkpoint_ns": ""}
        if checkpoint_id:
            configurable["checkpoint_id"] = checkpoint_id
        return {"configurable": configurable}

    async def thread_row(self, tenant: str, thread_id: str) -> ThreadRow:
        row = await self.threads.get(thread_uuid(thread_id), tenant)
        if row is None:
            raise NotFound(f"thread {thread_id} not found")
        return row

    async def thread_json(self, row: ThreadRow, *, values: bool = True) -> dict[str, Any]:
        snapshot = await self.graph.aget_state(self._config(row.thread_id)) if values else None
        return {
            "thread_id": row.thread_id,
            "created_at": isoformat(row.created_at),
            "updated_at": isoformat(row.updated_at),
            "state_updated_at": isoformat(row.updated_at),
            "metadata": row.meta,
            "status": row.status,
            "config": {},
            "values": to_json(dict(snapshot.values)) if snapshot and snapshot.values else None,
            "interrupts": {},
            "error": row.error,
        }

    async def create_thread(
        self, tenant: str, thread_id: str | None, metadata: dict[str, Any], if_exists: str
    ) -> ThreadRow:
        thread_id = thread_uuid(thread_id) if thread_id else str(uuid.uuid4())
        now = utcnow()
        meta = {**metadata, **self._graph_ids}
        row = ThreadRow(
            thread_id=thread_id,
            tenant=tenant,
            graph_id=BRIEF_GRAPH_ID,
            meta=meta,
            status="idle",
            created_at=now,
            updated_at=now,
        )
        if await self.threads.insert(row):
            return row
        existing = await self.threads.get(thread_id, tenant)
        if existing is not None and if_exists == "do_nothing":
            return existing
        # Another tenant's id is "taken" too, without saying whose it is.
        raise Conflict(f"thread {thread_id} already exists")

    async def patch_thread(
        self, tenant: str, thread_id: str, metadata: dict[str, Any]
    ) -> ThreadRow:
        row = await self.thread_row(tenant, thread_id)
        await self.threads.update(row.thread_id, meta={**row.meta, **metadata})
        return await self.thread_row(tenant, thread_id)

    async def delete_thread(self, tenant: str, thread_id: str) -> None:
        row = await self.thread_row(tenant, thread_id)
        for run in list(self._runs.get(row.thread_id, {}).values()):
            await self._stop(run)
        checkpointer = self.graph.checkpointer
        if checkpointer is not None and not isinstance(checkpointer, bool):
            await checkpointer.adelete_thread(row.thread_id)
        await self.threads.delete(row.thread_id)
        self._runs.pop(row.thread_id, None)

    async def search_threads(self, tenant: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        order = str(body.get("sort_order") or "desc")
        rows = await self.threads.search(
            tenant,
            ids=[thread_uuid(i) for i in body.get("ids") or ()],
            status=body.get("status"),
            sort_by=str(body.get("sort_by") or "created_at"),
            descending=order != "asc",
        )
        wanted = body.get("metadata") or {}
        rows = [r for r in rows if all(r.meta.get(k) == v for k, v in wanted.items())]
        offset, limit = int(body.get("offset") or 0), int(body.get("limit") or 10)
        return [await self.thread_json(row) for row in rows[offset : offset + limit]]

    async def state(self, tenant: str, thread_id: str, checkpoint_id: str | None = None) -> Any:
        row = await self.thread_row(tenant, thread_id)
        snapshot = await self.graph.aget_state(self._config(row.thread_id, checkpoint_id))
        return snapshot_json(snapshot)

    async def update_state(
        self, tenant: str, thread_id: str, values: Any, as_node: str | None
    ) -> dict[str, Any]:
        row = await self.thread_row(tenant, thread_id)
        if not isinstance(values, dict) or not set(values) <= UPDATABLE:
            raise InputError(f"values may set only {', '.join(sorted(UPDATABLE))}")
        if self._busy(row.thread_id):
            raise Conflict("the thread is running; update its state when the run ends")
        try:
            config = await self.graph.aupdate_state(
                self._config(row.thread_id), values, as_node=as_node or "chat"
            )
        except ValueError as exc:  # a brief the reducer refuses (pydantic says what)
            raise InputError(f"invalid state update: {exc}") from exc
        await self.threads.update(row.thread_id)
        checkpoint = {**config["configurable"]}
        return {
            "checkpoint": checkpoint,
            "configurable": checkpoint,
            "checkpoint_id": checkpoint.get("checkpoint_id"),
        }

    async def history(self, tenant: str, thread_id: str, body: dict[str, Any]) -> list[Any]:
        row = await self.thread_row(tenant, thread_id)
        before = body.get("before")
        if isinstance(before, str):
            before = {"checkpoint_id": before}
        limit = max(1, min(int(body.get("limit") or 10), 1000))
        states = []
        async for snapshot in self.graph.aget_state_history(
            self._config(row.thread_id),
            filter=body.get("metadata") or None,
            before=self._config(row.thread_id, before["checkpoint_id"]) if before else None,
            limit=limit,
        ):
            states.append(snapshot_json(snapshot))
        return states

    # -- runs ---------------------------------------------------------------------------
    def _busy(self, thread_id: str) -> bool:
        return any(run.active for run in self._runs.get(thread_id, {}).values())

    def run_of(self, row: ThreadRow, run_id: str) -> AgentRun:
        run = self._runs.get(row.thread_id, {}).get(run_id)
        if run is None:
            raise NotFound(f"run {run_id} not found")
        return run

    def runs_of(self, row: ThreadRow) -> list[AgentRun]:
        return sorted(self._runs.get(row.thread_id, {}).values(), key=lambda r: r.created_at)[::-1]

    async def start_run(self, tenant: str, thread_id: str, body: dict[str, Any]) -> AgentRun:
        """Queue a run (behind the thread's current one with `enqueue`, refused with 409
        under `reject`); its task streams the graph into the run's events."""
        options = RunOptions.parse(body)
        self.check_assistant(options.assistant_id)
        try:
            row = await self.thread_row(tenant, thread_id)
        except NotFound:
            if options.if_not_exists != "create":
                raise
            row = await self.create_thread(tenant, thread_id, {}, "do_nothing")
        if options.multitask_strategy == "reject" and self._busy(row.thread_id):
            raise Conflict("the thread is already running; wait or use multitask_strategy=enqueue")
        run = AgentRun(
            run_id=str(uuid.uuid4()),
            thread_id=row.thread_id,
            tenant=tenant,
            assistant_id=ASSISTANT_ID,
            options=options,
            # As langgraph-api: the thread's metadata, the request's, the graph's ids.
            metadata={"created_by": "system", **row.meta, **options.metadata, **self._graph_ids},
        )
        runs = self._runs.setdefault(row.thread_id, {})
        for old in [r for r in runs.values() if not r.active][: -MAX_RUNS_KEPT or None]:
            runs.pop(old.run_id, None)
        runs[run.run_id] = run
        run.publish("metadata", {"run_id": run.run_id, "attempt": 1})
        run.task = asyncio.create_task(self._execute(run), name=f"agent-run:{run.run_id}")
        return run

    async def _execute(self, run: AgentRun) -> None:
        try:
            await self._execute_in_turn(run)
        finally:
            # Outside the thread's lock: the next run need not wait for LangSmith.
            await self.tracing.flush()

    async def _execute_in_turn(self, run: AgentRun) -> None:
        lock = self._locks.setdefault(run.thread_id, asyncio.Lock())
        async with lock:
            if not run.active:  # cancelled while it waited for the thread
                return
            run.set_status("running")
            try:
                await self.threads.update(run.thread_id, status="busy", error=None)
                await self._stream(run)
                await self.threads.update(run.thread_id, status="idle")
                run.finish("success")
            except asyncio.CancelledError:
                run.finish("interrupted")  # first: `cancel?wait=1` waits for exactly this
                await self.threads.update(run.thread_id, status="idle")
                raise
            except AppError as exc:
                await self._failed(run, type(exc).__name__, exc.message)
            except Exception as exc:
                log.exception("agent run %s crashed", run.run_id)
                await self._failed(run, type(exc).__name__, str(exc) or type(exc).__name__)

    async def _failed(self, run: AgentRun, error: str, message: str) -> None:
        run.error = {"error": error, "message": message}
        run.publish("error", run.error)
        run.finish("error")
        await self.threads.update(run.thread_id, status="error", error=message)

    async def _run_config(self, run: AgentRun) -> Any:
        """The graph config of a run: its thread (and the checkpoint it forks from), limits,
        and the trace labels (name, tags, metadata, and the tracer when tracing is on)."""
        options = run.options
        config = self._config(run.thread_id, options.checkpoint_id)
        values = (await self.graph.aget_state(config)).values
        draft = values.get("brief") if values else None
        labels = RunLabels(
            graph=BRIEF_GRAPH_ID,
            thread_id=run.thread_id,
            tenant=run.tenant,
            kind=draft.kind if draft is not None else None,
        )
        traced = self.tracing.config(labels)
        return {
            **traced,
            **config,
            "recursion_limit": options.recursion_limit,
            "tags": [*traced.get("tags", ()), *options.tags],
            "metadata": {
                **run.metadata,
                **traced.get("metadata", {}),
                "run_id": run.run_id,
                "thread_id": run.thread_id,
                "run_attempt": 1,
            },
        }

    async def _stream(self, run: AgentRun) -> None:
        start: Any = run.options.input
        if run.options.command:
            wanted = ("resume", "update", "goto")
            start = Command(**{k: v for k, v in run.options.command.items() if k in wanted})
        async for mode, chunk in self.graph.astream(
            start,
            await self._run_config(run),
            context=self.context(run.tenant),
            stream_mode=GRAPH_MODES,
            durability=run.options.durability,
        ):
            if mode == "messages":
                message, meta = cast(tuple[Any, Any], chunk)
                run.publish("messages", [to_json(message), to_json(meta)])
            else:
                run.publish(EVENT_OF_MODE[mode], to_json(chunk))

    async def _stop(self, run: AgentRun) -> None:
        if run.status == "pending":
            run.finish("interrupted")
        if run.task is not None and not run.task.done():
            run.task.cancel()
            await asyncio.wait({run.task})

    async def cancel_run(self, tenant: str, thread_id: str, run_id: str, action: str) -> AgentRun:
        if action not in ("interrupt", ""):
            raise InputError(
                "only action=interrupt is supported (a cancelled run keeps its checkpoints)"
            )
        run = self.run_of(await self.thread_row(tenant, thread_id), run_id)
        if run.active:
            await self._stop(run)
        return run

    async def final_values(self, run: AgentRun) -> Any:
        """What `wait` and `join` answer: the thread's values, or the run's error."""
        await run.finished.wait()
        if run.error is not None:
            return {"__error__": run.error}
        snapshot = await self.graph.aget_state(self._config(run.thread_id))
        return to_json(dict(snapshot.values))
