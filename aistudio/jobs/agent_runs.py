"""Runs of the brief graph as the Agent Protocol shows them: status, the events they
stream (kept for the run's life, so `join` and a late stream see everything), and the JSON
form of graph values, messages and snapshots (the shapes langgraph-api answers with)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from langgraph.types import StateSnapshot, StreamMode
from pydantic import BaseModel

from aistudio.jobs.agent_options import RunOptions
from aistudio.jobs.models import utcnow

RunStatus = Literal["pending", "running", "success", "error", "interrupted"]
# SSE event name of each graph stream mode ("messages-tuple" streams as "messages").
EVENT_OF_MODE = {
    "values": "values",
    "updates": "updates",
    "messages": "messages",
    "custom": "custom",
}
GRAPH_MODES: list[StreamMode] = ["values", "updates", "messages", "custom"]


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return repr(value)  # anything else is shown, never allowed to break a response


def to_json(value: Any) -> Any:
    """Plain JSON data (messages as langgraph-api dumps them: their fields plus `type`)."""
    return json.loads(json.dumps(value, default=_default))


def isoformat(moment: datetime | None) -> str | None:
    """An ISO 8601 time with its offset. The job store hands SQLite's times back naive
    (they are UTC): without the offset a JavaScript client reads them as local time."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _checkpoint(config: Any) -> dict[str, Any] | None:
    configurable = (config or {}).get("configurable") or {}
    if not configurable.get("checkpoint_id"):
        return None
    return {
        "thread_id": configurable.get("thread_id"),
        "checkpoint_ns": configurable.get("checkpoint_ns", ""),
        "checkpoint_id": configurable["checkpoint_id"],
    }


def snapshot_json(snapshot: StateSnapshot | None) -> dict[str, Any]:
    """A `ThreadState` as the sdk types it (values, next, checkpoint, tasks, ...)."""
    if snapshot is None or (not snapshot.values and snapshot.metadata is None):
        return {
            "values": {},
            "next": [],
            "tasks": [],
            "metadata": None,
            "created_at": None,
            "checkpoint": None,
            "parent_checkpoint": None,
            "interrupts": [],
            "checkpoint_id": None,
            "parent_checkpoint_id": None,
        }
    checkpoint, parent = _checkpoint(snapshot.config), _checkpoint(snapshot.parent_config)
    interrupts = [{"value": to_json(i.value), "id": i.id} for i in snapshot.interrupts]
    return {
        "values": to_json(dict(snapshot.values)),
        "next": list(snapshot.next),
        "tasks": [
            {
                "id": task.id,
                "name": task.name,
                "path": to_json(list(task.path)),
                "error": repr(task.error) if task.error else None,
                "interrupts": [{"value": to_json(i.value), "id": i.id} for i in task.interrupts],
                "checkpoint": None,
                "state": None,
                "result": to_json(task.result) if task.result is not None else None,
            }
            for task in snapshot.tasks
        ],
        "metadata": to_json(dict(snapshot.metadata or {})),
        "created_at": snapshot.created_at,
        "checkpoint": checkpoint,
        "parent_checkpoint": parent,
        "interrupts": interrupts,
        "checkpoint_id": checkpoint["checkpoint_id"] if checkpoint else None,
        "parent_checkpoint_id": parent["checkpoint_id"] if parent else None,
    }


@dataclass
class AgentRun:
    """One run of a thread: queued behind the thread's earlier runs, then streamed."""

    run_id: str
    thread_id: str
    tenant: str
    assistant_id: str
    options: RunOptions
    metadata: dict[str, Any]  # the thread's and the request's, and the graph's ids
    status: RunStatus = "pending"
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    error: dict[str, str] | None = None
    events: list[tuple[str, Any]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def active(self) -> bool:
        return self.status in ("pending", "running")

    def set_status(self, status: RunStatus) -> None:
        self.status = status
        self.updated_at = utcnow()

    def publish(self, event: str, data: Any) -> None:
        self.events.append((event, data))
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def finish(self, status: RunStatus) -> None:
        self.set_status(status)
        self.finished.set()
        self.publish("end", None)

    async def follow(self, events: Collection[str]) -> AsyncIterator[tuple[str, Any]]:
        """Every event of the run whose name is in `events` (plus metadata and errors),
        from the first, until the run ends."""
        position = 0
        while True:
            while position < len(self.events):
                name, data = self.events[position]
                position += 1
                if name == "end":
                    return
                if name in events or name in ("metadata", "error"):
                    yield name, data
            await self._changed.wait()

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "thread_id": self.thread_id,
            "assistant_id": self.assistant_id,
            "metadata": self.metadata,
            "status": self.status,
            "kwargs": self.options.kwargs(
                {
                    "run_id": self.run_id,
                    "thread_id": self.thread_id,
                    "graph_id": self.metadata.get("graph_id"),
                    "assistant_id": self.assistant_id,
                },
                self.metadata,
            ),
            "multitask_strategy": self.options.multitask_strategy,
            "created_at": isoformat(self.created_at),
            "updated_at": isoformat(self.updated_at),
        }
