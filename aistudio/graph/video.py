"""The video graph: one graph for promo, fashion and UGC, parameterised by the brief's kind.

ingest → moderate_input → concept → visual → audio → assembly → qa_plan ⟲ → render_submit
→ render_await → compose → qa_output ⟲ → publish; any node can end the job in `fail`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy

from aistudio.errors import ProviderError
from aistudio.graph.routing import next_or_fail, route_after_output_qa, route_after_plan_qa
from aistudio.nodes.agents import assembly, audio, concept, visual
from aistudio.nodes.compose import compose
from aistudio.nodes.ingest import ingest
from aistudio.nodes.moderation import moderate_input
from aistudio.nodes.publish import fail, publish
from aistudio.nodes.qa import qa_output, qa_plan
from aistudio.nodes.render import render_await, render_submit
from aistudio.pipeline import VideoInput, VideoState
from aistudio.tools.toolbox import StudioContext


def _transient(exc: Exception) -> bool:
    # Only provider hiccups are retried here; everything else is a bug or a permanent failure.
    return isinstance(exc, ProviderError) and exc.retryable


PROVIDER_RETRY = RetryPolicy(max_attempts=3, initial_interval=1.0, retry_on=_transient)

LINEAR: tuple[tuple[str, str], ...] = (
    ("ingest", "moderate_input"),
    ("moderate_input", "concept"),
    ("concept", "visual"),
    ("visual", "audio"),
    ("audio", "assembly"),
    ("assembly", "qa_plan"),
    ("render_submit", "render_await"),
    ("render_await", "compose"),
    ("compose", "qa_output"),
)


def _on_loop(route: Callable[..., str], **bound: Any) -> Callable[[VideoState], Awaitable[str]]:
    """A routing function as a coroutine. LangGraph runs a sync edge function on a worker
    thread when the graph runs async: eleven thread round trips per job for a dict
    lookup each (a tenth of the API's orchestration CPU)."""

    async def routed(state: VideoState) -> str:
        return route(state, **bound)

    routed.__name__ = route.__name__  # what LangGraph Studio shows on the edge
    return routed


def build_video_graph(max_qa_retries: int = 2) -> StateGraph[Any, Any, Any, Any]:
    """The uncompiled graph; callers compile it with (or, for Studio, without) a saver."""
    graph: StateGraph[Any, Any, Any, Any] = StateGraph(
        VideoState, context_schema=StudioContext, input_schema=VideoInput
    )
    graph.add_node("ingest", ingest)
    graph.add_node("moderate_input", moderate_input)
    for name, fn in (
        ("concept", concept),
        ("visual", visual),
        ("audio", audio),
        ("assembly", assembly),
        ("qa_plan", qa_plan),
    ):
        graph.add_node(name, fn, retry_policy=PROVIDER_RETRY)
    graph.add_node("render_submit", render_submit, retry_policy=PROVIDER_RETRY)
    graph.add_node("render_await", render_await, retry_policy=PROVIDER_RETRY)
    graph.add_node("compose", compose)
    graph.add_node("qa_output", qa_output)
    graph.add_node("publish", publish)
    graph.add_node("fail", fail)

    graph.add_edge(START, "ingest")
    for source, target in LINEAR:
        graph.add_conditional_edges(source, _on_loop(next_or_fail, nxt=target), [target, "fail"])
    graph.add_conditional_edges(
        "qa_plan",
        _on_loop(route_after_plan_qa, max_retries=max_qa_retries),
        ["concept", "visual", "audio", "assembly", "render_submit", "fail"],
    )
    graph.add_conditional_edges(
        "qa_output",
        _on_loop(route_after_output_qa, max_retries=max_qa_retries),
        ["concept", "visual", "audio", "assembly", "render_submit", "compose", "publish", "fail"],
    )
    graph.add_edge("publish", END)
    graph.add_edge("fail", END)
    return graph
