"""What every node shares: the toolbox accessor, progress events and the failure wrapper."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeAlias, cast

from langgraph.runtime import Runtime

from aistudio.errors import BudgetExceeded, InputError, ModerationBlocked, NotFound, ProviderError
from aistudio.pipeline import (
    NodeEvent,
    NodeFailed,
    NodeFinished,
    NodeName,
    NodeProgress,
    NodeStarted,
    VideoState,
)
from aistudio.tools.toolbox import StudioContext, Toolbox

log = logging.getLogger("aistudio.nodes")

Update: TypeAlias = dict[str, Any]


class NodeFn(Protocol):
    """LangGraph's node-with-runtime shape (the runtime is passed by keyword)."""

    def __call__(
        self, state: VideoState, *, runtime: Runtime[StudioContext]
    ) -> Awaitable[Update]: ...


class Node(NodeFn, Protocol):
    """A node function as `@node` leaves it: it knows its name (graphs add it under it)."""

    node_name: NodeName


# Errors that no retry can fix: the job ends `failed` with the message as its reason.
PERMANENT_ERRORS: tuple[type[Exception], ...] = (
    InputError,
    ModerationBlocked,
    NotFound,
    BudgetExceeded,
)


_CAUGHT: tuple[type[Exception], ...] = (*PERMANENT_ERRORS, ProviderError)


def _permanent(exc: Exception) -> bool:
    # A provider error the tool already retried, or one that can never succeed (a refused
    # input, a failed generation): the job ends with the provider's reason. A transient one
    # propagates, and the job stays resumable from its checkpoint.
    return isinstance(exc, PERMANENT_ERRORS) or (
        isinstance(exc, ProviderError) and not exc.retryable
    )


def toolbox(runtime: Runtime[StudioContext]) -> Toolbox:
    # No context at all: a Studio run that passed none (the toolbox comes from Settings).
    return (runtime.context or StudioContext()).toolbox


def emit(runtime: Runtime[StudioContext], event: NodeEvent) -> None:
    """A typed event on LangGraph's custom stream (no-op when nobody streams)."""
    runtime.stream_writer(event)


def progress(
    runtime: Runtime[StudioContext], node: NodeName, fraction: float, note: str = ""
) -> None:
    fraction = round(min(max(fraction, 0.0), 1.0), 3)
    emit(runtime, NodeProgress(node=node, fraction=fraction, note=note))


def node(name: NodeName) -> Callable[[NodeFn], Node]:
    """Instrument a node: start/finish events, timing, permanent failures -> status failed.

    Transient failures propagate so the node's RetryPolicy (and, past it, the runner) see them.
    """

    def wrap(fn: NodeFn) -> Node:
        @functools.wraps(fn)
        async def wrapper(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
            # A Studio run's toolbox is built on first use, off the loop (see toolbox()).
            await (runtime.context or StudioContext()).prepare()
            started = time.perf_counter()
            emit(runtime, NodeStarted(node=name))
            try:
                update = await fn(state, runtime=runtime)
            except _CAUGHT as exc:
                if not _permanent(exc):
                    raise
                message = getattr(exc, "message", str(exc))
                log.warning("job %s failed in %s: %s", state.get("job_id"), name, message)
                emit(runtime, NodeFailed(node=name, error=message))
                return {"status": "failed", "error": f"{name}: {message}"}
            seconds = round(time.perf_counter() - started, 3)
            emit(runtime, NodeFinished(node=name, seconds=seconds))
            return update

        instrumented = cast(Node, wrapper)
        instrumented.node_name = name
        # What LangGraph shows for it (Studio, traces) when added without a name.
        instrumented.__name__ = name  # type: ignore[attr-defined]
        return instrumented

    return wrap
