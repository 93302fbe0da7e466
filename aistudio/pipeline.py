"""The pipeline spine: graph state, node names and order, progress weights, job statuses and
job events. Declared once, here; nodes, graph, jobs and server all read it.

It sits on the lowest floor (it imports only artifacts), so every floor can use it without
a cycle. The state types are `typing_extensions.TypedDict`: pydantic, and through it
LangGraph Studio, builds their JSON schemas only from that TypedDict before Python 3.12.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import (
    Annotated,
    Final,
    Literal,
    NotRequired,
    TypeVar,
    get_args,
    get_origin,
    get_type_hints,
)

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from aistudio.artifacts import (
    Asset,
    AudioPlan,
    Brief,
    Concept,
    JobKind,
    ModerationVerdict,
    Output,
    ProductProfile,
    ProviderJob,
    QAReport,
    RedoTarget,
    RenderPlan,
    Revision,
    ShotList,
    ShotVisual,
    Violation,
    VoiceTrack,
)

T = TypeVar("T")

# -- nodes ----------------------------------------------------------------------------------
# The planning half, in order: what a quote, a refine, a storyboard preview and the first
# half of every job run (the planning subgraph, aistudio.graph.planning).
PlanningStep = Literal[
    "ingest", "moderate_input", "concept", "visual", "audio", "assembly", "qa_plan"
]
# The planning agents a QA report can send the run back to (cheapest last).
PlanningAgent = Literal["concept", "visual", "audio", "assembly"]
# The paid half, in order, after the plan passed QA (and was approved, when asked).
RenderStep = Literal["render_submit", "render_await", "compose", "qa_output", "publish"]
# Every node function (nodes/ decorate them with `@node(name)`): the steps, `fail`, which
# ends a job with its reason, `store_photo`, the first step of a LangGraph Studio run
# (it stores the photo a path or URL names; a job's photo is stored before it starts), and
# `revise`, which applies a person's instruction before the plan is made again.
NodeName = PlanningStep | RenderStep | Literal["fail", "store_photo", "revise"]
# The planning subgraph as one node of the video graph (and the name of its graph).
PLANNING: Final = "planning"
GraphNode = NodeName | Literal["planning"]

PLANNING_STEPS: Final[tuple[PlanningStep, ...]] = get_args(PlanningStep)
PLANNING_AGENTS: Final[tuple[PlanningAgent, ...]] = get_args(PlanningAgent)
RENDER_STEPS: Final[tuple[RenderStep, ...]] = get_args(RenderStep)
# What a job runs, in order (a QA retry goes back; `fail` ends it early).
PIPELINE: Final[tuple[PlanningStep | RenderStep, ...]] = (*PLANNING_STEPS, *RENDER_STEPS)
NODE_NAMES: Final[frozenset[str]] = frozenset((*PIPELINE, "fail", "store_photo", "revise"))

# Share of the whole job each step takes (roughly its CPU time on the local renderer). A QA
# retry sends the run back; reported progress never goes backwards.
NODE_WEIGHTS: Final[Mapping[PlanningStep | RenderStep, float]] = {
    "ingest": 4,
    "moderate_input": 4,
    "concept": 2,
    "visual": 2,
    "audio": 2,
    "assembly": 2,
    "qa_plan": 2,
    "render_submit": 2,
    "render_await": 30,
    "compose": 35,
    "qa_output": 12,
    "publish": 3,
}


def _spans() -> dict[str, tuple[float, float]]:
    total = sum(NODE_WEIGHTS[name] for name in PIPELINE)
    spans: dict[str, tuple[float, float]] = {}
    start = 0.0
    for name in PIPELINE:
        spans[name] = (start / total, (start + NODE_WEIGHTS[name]) / total)
        start += NODE_WEIGHTS[name]
    return spans


# Node -> (start, end) of its share of overall progress, 0..1.
NODE_SPAN: Final[Mapping[str, tuple[float, float]]] = _spans()

# -- statuses -------------------------------------------------------------------------------
# What the graph's own state says about the run.
GraphStatus = Literal["running", "completed", "completed_with_warnings", "failed"]
# What a job row says: the graph's statuses plus the queue's.
JobStatus = Literal[
    "queued",
    "running",
    "awaiting_approval",
    "completed",
    "completed_with_warnings",
    "failed",
    "cancelled",
]
JOB_STATUSES: Final[tuple[JobStatus, ...]] = get_args(JobStatus)
ACTIVE_STATUSES: Final[tuple[JobStatus, ...]] = ("queued", "running")
FINAL_STATUSES: Final[tuple[JobStatus, ...]] = (
    "completed",
    "completed_with_warnings",
    "failed",
    "cancelled",
)
SUCCESS_STATUSES: Final[tuple[JobStatus, ...]] = ("completed", "completed_with_warnings")
# Paused after plan QA until approved: no task runs it and a restart leaves it waiting, but
# it is not finished (cancel still ends it).
AWAITING_APPROVAL: Final = "awaiting_approval"
OPEN_STATUSES: Final[tuple[JobStatus, ...]] = (*ACTIVE_STATUSES, AWAITING_APPROVAL)
# The stage of an approved job until it runs again: the durable record of the approval.
APPROVED_STAGE: Final = "approved"
# The stage of a job sent back to planning from its approval pause, until it runs again
# (the instruction waits in the row's `revision`).
REVISING_STAGE: Final = "revising"
# A job row's `stage`: the node running, or where the job stands outside the graph.
JobStage = (
    NodeName | Literal["approved", "revising", "awaiting_approval", "done", "failed", "cancelled"]
)


# -- graph state ----------------------------------------------------------------------------
def concat(left: Sequence[T], right: Sequence[T]) -> tuple[T, ...]:
    """Feedback accumulates. A checkpoint hands a tuple back as a list, so a plain `+` of the
    restored value and a node's tuple would fail on a resumed job: any sequences concatenate."""
    return (*left, *right)


class VideoInput(TypedDict):
    """What a caller hands the graph to start a job."""

    job_id: str
    brief: Brief
    reference: Asset  # the uploaded photo as stored, before ingest
    out_dir: str  # where publish exports the finished files ("" = storage only)


class PhotoInput(TypedDict):
    """What LangGraph Studio hands a graph: the photo as a file path or an http(s) URL; the
    graph's first step (`store_photo`) stores it as the job's reference."""

    brief: Brief
    photo: str
    job_id: NotRequired[str]  # default: the Studio thread id
    out_dir: NotRequired[str]  # default: storage only


class VideoState(VideoInput, total=False):
    photo: str  # a Studio run's photo, before store_photo turned it into `reference`
    product: ProductProfile
    moderation: Annotated[list[ModerationVerdict], operator.add]
    concept: Concept
    shots: ShotList
    audio: AudioPlan
    plan: RenderPlan
    plan_qa: QAReport
    plan_attempts: Annotated[int, operator.add]
    plan_approved: bool  # set once a brief with approve_plan was approved (see render_submit)
    # The latest instruction a person gave (a revise at approval, or a shot revise), and how
    # many revisions the `revise` node has applied: one is pending while revised < round.
    revision: Revision
    revised: int
    # Violations handed to the agents on a retry; they accumulate, so a problem that comes
    # back twice is fixed harder the second time (e.g. captions enlarged again).
    feedback: Annotated[tuple[Violation, ...], concat]
    render_jobs: list[ProviderJob]  # the current take of every shot
    # Every provider submission the job made (remakes included): what it paid for.
    submissions: Annotated[list[ProviderJob], operator.add]
    visuals: list[ShotVisual]
    voice: VoiceTrack | None
    audio_master: Asset
    outputs: list[Output]
    output_qa: QAReport
    output_attempts: Annotated[int, operator.add]
    published: dict[str, str]  # file name -> storage key (or exported path)
    title: str  # the finished job's short title
    status: GraphStatus
    error: str


class PlanningState(VideoState, total=False):
    """The planning subgraph's state: a job's, plus where a re-plan starts."""

    # Set only when the planning half is entered again (an output-QA redo, a revise): the
    # agent to start at, with ingest's product and the accumulated feedback kept. Not part
    # of the job's state: it lives and dies with one planning run.
    replan_from: PlanningAgent


def _state_keys() -> tuple[frozenset[str], frozenset[str]]:
    hints = get_type_hints(VideoState, include_extras=True)
    added = {  # an Annotated channel with a reducer: updates add up
        key
        for key, hint in hints.items()
        if get_origin(hint) is Annotated and any(callable(m) for m in hint.__metadata__)
    }
    return frozenset(hints), frozenset(added)


# The job state's keys, and those whose channel adds updates up (counters, verdicts, feedback).
VIDEO_STATE_KEYS, ACCUMULATED_KEYS = _state_keys()


# -- job events -----------------------------------------------------------------------------
# What a job reports while it runs: nodes write the node events on LangGraph's custom stream,
# the runner and the job service the rest. Each is journaled as one JSON line, with a
# sequence number and a timestamp, and sent to watchers (SSE) under its `event` name.
class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NodeStarted(_Event):
    event: Literal["node_started"] = "node_started"
    node: NodeName


class NodeFinished(_Event):
    event: Literal["node_finished"] = "node_finished"
    node: NodeName
    seconds: float


class NodeFailed(_Event):
    """A permanent failure: the job ends `failed` with `error` as the reason."""

    event: Literal["node_failed"] = "node_failed"
    node: NodeName
    error: str


class NodeProgress(_Event):
    """A tick inside a long node; frequent, so it goes to live displays, not the journal."""

    event: Literal["progress"] = "progress"
    node: NodeName
    fraction: float = Field(ge=0.0, le=1.0)
    note: str = ""


class QAVerdict(_Event):
    event: Literal["qa_verdict"] = "qa_verdict"
    stage: Literal["plan", "output"]
    passed: bool
    attempt: int
    violations: list[str]
    redo: RedoTarget | None


class JobQueued(_Event):
    event: Literal["job_queued"] = "job_queued"
    kind: JobKind
    parent_id: str | None = None  # the job it was made from (a remix)


class JobStarted(_Event):
    event: Literal["job_started"] = "job_started"


class JobResumed(_Event):
    """A run picked the job up again from its checkpoint."""

    event: Literal["job_resumed"] = "job_resumed"


class JobPaused(_Event):
    event: Literal["job_paused"] = "job_paused"
    status: JobStatus
    error: str | None = None


class JobFinished(_Event):
    """The graph run ended (the service's `job_result` follows once the row says so)."""

    event: Literal["job_finished"] = "job_finished"
    status: JobStatus | Literal["unknown"]
    error: str | None = None


class JobProgress(_Event):
    """Overall progress moved by a step (the row's stage and progress, 0-99)."""

    event: Literal["job_progress"] = "job_progress"
    stage: JobStage | None
    progress: int


class JobAwaitingApproval(_Event):
    event: Literal["job_awaiting_approval"] = "job_awaiting_approval"
    assets: list[str]


class JobApproved(_Event):
    event: Literal["job_approved"] = "job_approved"


class JobRevised(_Event):
    """A person sent the plan back with an instruction; it is planned again and waits for
    approval again (`job_awaiting_approval` follows with the new storyboard)."""

    event: Literal["job_revised"] = "job_revised"
    instruction: str


class JobResultEvent(_Event):
    """The last event of every job: its final status (the SSE stream ends after it)."""

    event: Literal["job_result"] = "job_result"
    status: JobStatus
    error: str | None = None
    progress: int
    assets: list[str]


NodeEvent = NodeStarted | NodeFinished | NodeFailed | NodeProgress
JobEvent = Annotated[
    NodeStarted
    | NodeFinished
    | NodeFailed
    | NodeProgress
    | QAVerdict
    | JobQueued
    | JobStarted
    | JobResumed
    | JobPaused
    | JobFinished
    | JobProgress
    | JobAwaitingApproval
    | JobApproved
    | JobRevised
    | JobResultEvent,
    Field(discriminator="event"),
]
TERMINAL_EVENT: Final = "job_result"
