"""The video graph: one graph for promo, fashion and UGC, parameterised by the brief's kind.

planning (the subgraph: ingest → moderate_input → concept → visual → audio → assembly →
qa_plan ⟲) → render_submit → render_await → compose → qa_output ⟲ → publish; any step can
end the job in `fail`. A revision (a person's instruction at the approval pause in
render_submit, or a shot revise forked there from a finished job) goes render_submit →
revise → planning → render_submit. Output QA sends a failing film back to the cheapest step that can
fix it: a planning agent (into the planning subgraph, at that agent), a shot's render, or
compose.
"""

from __future__ import annotations

import itertools
from typing import Any

from langgraph.graph import END, START, StateGraph

from aistudio.graph.planning import PROVIDER_RETRY, planning_node
from aistudio.graph.routing import (
    as_coroutine,
    next_or_fail,
    route_after_output_qa,
    route_after_planning,
    route_after_revise,
    route_after_submit,
)
from aistudio.nodes.common import Node
from aistudio.nodes.compose import compose
from aistudio.nodes.ingest import store_photo
from aistudio.nodes.publish import fail, publish
from aistudio.nodes.qa import qa_output
from aistudio.nodes.render import render_await, render_submit
from aistudio.nodes.revise import revise
from aistudio.pipeline import PLANNING, RENDER_STEPS, PhotoInput, VideoInput, VideoState
from aistudio.tools.toolbox import StudioContext

# The paid steps, as their node functions; submit and await call providers.
_STEPS: tuple[Node, ...] = (render_submit, render_await, compose, qa_output, publish)
_PROVIDER_STEPS = frozenset(("render_submit", "render_await"))


def build_video_graph(
    max_qa_retries: int = 2, *, photo_input: bool = False
) -> StateGraph[Any, Any, Any, Any]:
    """The uncompiled graph; callers compile it with (or, for Studio, without) a saver.
    With `photo_input` (LangGraph Studio) it takes a photo path or URL and stores it first."""
    graph: StateGraph[Any, Any, Any, Any] = StateGraph(
        VideoState,
        context_schema=StudioContext,
        input_schema=PhotoInput if photo_input else VideoInput,
    )
    graph.add_node(PLANNING, planning_node(max_qa_retries))
    for step in (*_STEPS, revise, fail):
        policy = PROVIDER_RETRY if step.node_name in _PROVIDER_STEPS else None
        graph.add_node(step.node_name, step, retry_policy=policy)

    if photo_input:
        graph.add_node(store_photo.node_name, store_photo)
        graph.add_edge(START, store_photo.node_name)
        graph.add_conditional_edges(
            store_photo.node_name, as_coroutine(next_or_fail, nxt=PLANNING), [PLANNING, "fail"]
        )
    else:
        graph.add_edge(START, PLANNING)
    graph.add_conditional_edges(
        PLANNING, as_coroutine(route_after_planning), ["render_submit", "fail"]
    )
    # render_submit → render_await (or, on a revision, → revise → planning); then
    # → compose → qa_output; qa_output routes itself.
    graph.add_conditional_edges(
        "render_submit",
        as_coroutine(route_after_submit),
        ["render_await", revise.node_name, "fail"],
    )
    graph.add_conditional_edges(
        revise.node_name, as_coroutine(route_after_revise), [PLANNING, "fail"]
    )
    for source, target in itertools.pairwise(RENDER_STEPS[1:-1]):
        graph.add_conditional_edges(
            source, as_coroutine(next_or_fail, nxt=target), [target, "fail"]
        )
    graph.add_conditional_edges(
        "qa_output",
        as_coroutine(route_after_output_qa, max_retries=max_qa_retries),
        [PLANNING, "render_submit", "compose", "publish", "fail"],
    )
    graph.add_edge("publish", END)
    graph.add_edge("fail", END)
    return graph
