"""The planning half, built once: ingest → moderate_input → concept → visual → audio →
assembly → qa_plan ⟲ (plan QA sends a failing plan back to the agent that can fix it).

Every caller runs this one graph:

* the video graph, as its `planning` node (`planning_node`): a job's planning steps are
  checkpointed inside it (the subgraph inherits the job's checkpointer), so a job killed
  while planning resumes there and finished steps do not run again. An output-QA redo of an
  agent re-enters it with `replan_from` (a `Send`), and so can a revise;
* quotes, refines and storyboard previews (`run_planning`): the same steps, nothing
  persisted, nothing rendered or paid for;
* LangGraph Studio (`graph/studio.py`), starting from a photo path or URL.

It ends where the video graph would submit the first render: the plan passed QA, or the run
failed (`status`), or plan QA gave up (the caller routes to `fail`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Awaitable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import RetryPolicy

from aistudio.artifacts import (
    Asset,
    AudioPlan,
    Brief,
    Concept,
    ProductProfile,
    QAReport,
    RenderPlan,
    ShotList,
)
from aistudio.errors import InputError, ProviderError
from aistudio.graph.routing import (
    as_coroutine,
    next_or_fail,
    route_after_plan_qa,
    route_into_planning,
)
from aistudio.nodes.agents import assembly, audio, concept, visual
from aistudio.nodes.common import Node
from aistudio.nodes.ingest import ingest, store_photo
from aistudio.nodes.moderation import moderate_input
from aistudio.nodes.qa import qa_plan
from aistudio.nodes.render import revised_shot
from aistudio.pipeline import (
    ACCUMULATED_KEYS,
    PLANNING,
    PLANNING_AGENTS,
    PLANNING_STEPS,
    VIDEO_STATE_KEYS,
    PhotoInput,
    PlanningState,
    VideoInput,
)
from aistudio.tools.toolbox import StudioContext, Toolbox

Update = dict[str, Any]


class PlanningNode(Protocol):
    def __call__(self, state: PlanningState, config: RunnableConfig) -> Awaitable[Update]: ...


def _transient(exc: Exception) -> bool:
    # Only provider hiccups are retried here; everything else is a bug or a permanent failure.
    return isinstance(exc, ProviderError) and exc.retryable


PROVIDER_RETRY = RetryPolicy(max_attempts=3, initial_interval=1.0, retry_on=_transient)
# The planning steps, as their node functions; the agents and plan QA call providers.
_STEPS: tuple[Node, ...] = (ingest, moderate_input, concept, visual, audio, assembly, qa_plan)
_PROVIDER_STEPS = frozenset((*PLANNING_AGENTS, "qa_plan"))


def build_planning_graph(
    max_qa_retries: int = 2, *, photo_input: bool = False
) -> StateGraph[Any, Any, Any, Any]:
    """The uncompiled planning graph. Its input is a job's whole state (a re-plan enters with
    the product, the feedback and `replan_from`); with `photo_input` (LangGraph Studio) it
    takes a photo path or URL and stores it first."""
    graph: StateGraph[Any, Any, Any, Any] = StateGraph(
        PlanningState,
        context_schema=StudioContext,
        input_schema=PhotoInput if photo_input else PlanningState,
    )
    for step in _STEPS:
        policy = PROVIDER_RETRY if step.node_name in _PROVIDER_STEPS else None
        graph.add_node(step.node_name, step, retry_policy=policy)
    ends: dict[Hashable, str] = {"fail": END}
    if photo_input:
        graph.add_node(store_photo.node_name, store_photo)
        graph.add_edge(START, store_photo.node_name)
        graph.add_conditional_edges(
            store_photo.node_name,
            as_coroutine(next_or_fail, nxt=PLANNING_STEPS[0]),
            {PLANNING_STEPS[0]: PLANNING_STEPS[0], **ends},
        )
    else:
        entries = (PLANNING_STEPS[0], *PLANNING_AGENTS)
        graph.add_conditional_edges(
            START, as_coroutine(route_into_planning), {step: step for step in entries}
        )
    for source, target in itertools.pairwise(PLANNING_STEPS):
        graph.add_conditional_edges(
            source, as_coroutine(next_or_fail, nxt=target), {target: target, **ends}
        )
    # Out of the loop, the plan goes on to render (the parent's route_after_planning).
    graph.add_conditional_edges(
        PLANNING_STEPS[-1],
        as_coroutine(route_after_plan_qa, max_retries=max_qa_retries),
        {**{agent: agent for agent in PLANNING_AGENTS}, "render_submit": END, **ends},
    )
    return graph


@functools.cache
def planning_graph(max_qa_retries: int) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compiled once per retry budget (compiling inspects every node), without a
    checkpointer of its own: run inside a job it uses the job's."""
    return build_planning_graph(max_qa_retries).compile(name=PLANNING)


@functools.cache
def _detached_planning_graph(max_qa_retries: int) -> CompiledStateGraph[Any, Any, Any, Any]:
    # checkpointer=False: a quote or preview made inside another graph's node (the brief
    # agent's tool) must not become a checkpointed subgraph of that graph's thread.
    return build_planning_graph(max_qa_retries).compile(checkpointer=False, name=PLANNING)


def subgraph_update(before: Mapping[str, Any], after: Mapping[str, Any]) -> Update:
    """What a planning run changed, as an update to the job's state: the values it set, and,
    for the channels that add up (counters, verdicts, feedback), only what it added (the
    subgraph started from the job's totals; handing them back whole would count them twice)."""
    update: Update = {}
    for key, value in after.items():
        old = before.get(key)
        if key not in VIDEO_STATE_KEYS or value is old:
            continue
        if key not in ACCUMULATED_KEYS:
            update[key] = value
        elif isinstance(value, int):
            update[key] = value - (old or 0)
        else:
            update[key] = value[len(old or ()) :]
    return update


def pin_shots(new: RenderPlan, old: RenderPlan, shot: int) -> RenderPlan:
    """A shot revise's plan: the new plan's shot `shot` and the earlier plan's other shots,
    whose clips are kept (an agent planning again may have changed them too: an LLM's
    wording, or a camera move after output-QA feedback). When the re-plan moved the
    timeline (another shot's length changed) the new plan stands whole."""
    others = [(a, b) for a, b in zip(new.shots, old.shots, strict=False) if a.shot_index != shot]
    if len(new.shots) != len(old.shots) or any(
        a.shot_index != b.shot_index or abs(a.duration_s - b.duration_s) > 1e-6 for a, b in others
    ):
        return new
    kept = {b.shot_index: b for _, b in others}
    shots = tuple(kept.get(s.shot_index, s) for s in new.shots)
    return new.model_copy(update={"shots": shots})


def planning_node(max_qa_retries: int) -> PlanningNode:
    """The video graph's `planning` node: the planning subgraph, run under the job's config
    (its checkpointer, its stream: the steps report from inside it)."""
    subgraph = planning_graph(max_qa_retries)

    async def planning(state: PlanningState, config: RunnableConfig) -> Update:
        values: dict[str, Any] = await subgraph.ainvoke(state, config)
        update = subgraph_update(state, values)
        shot = revised_shot(state)
        if shot is not None and "plan" in state and isinstance(update.get("plan"), RenderPlan):
            update["plan"] = pin_shots(update["plan"], state["plan"], shot)
        return update

    return planning


@dataclass(frozen=True)
class PlannedJob:
    """A plan that passed plan QA: what a job would render, and nothing rendered."""

    brief: Brief
    product: ProductProfile
    concept: Concept
    shots: ShotList
    audio: AudioPlan
    plan: RenderPlan
    plan_qa: QAReport

    @classmethod
    def from_state(cls, values: Mapping[str, Any]) -> PlannedJob:
        return cls(
            brief=values["brief"],
            product=values["product"],
            concept=values["concept"],
            shots=values["shots"],
            audio=values["audio"],
            plan=values["plan"],
            plan_qa=values["plan_qa"],
        )


async def run_planning(toolbox: Toolbox, brief: Brief, reference: Asset, label: str) -> PlannedJob:
    """Plan a video from a stored photo without rendering it (quote, refine, preview).

    `label` names the run in logs (the quote or job id). A step's permanent failure
    (unreadable photo, blocked brief) is an InputError: the caller's input is why. A plan
    that still breaks rules after the retries comes back with its failing `plan_qa` (a job
    would fail there, before paying for anything).
    """
    start = VideoInput(job_id=label, brief=brief, reference=reference, out_dir="")
    graph = _detached_planning_graph(toolbox.settings.max_qa_retries)
    values: dict[str, Any] = await graph.ainvoke(
        start, context=StudioContext.of(toolbox), config={"recursion_limit": 100}
    )
    if values.get("status") == "failed":
        raise InputError(str(values.get("error") or "planning failed"))
    return PlannedJob.from_state(values)
