"""State of the video graph: typed artifacts only (keys + checksums, never bytes)."""

from __future__ import annotations

import operator
from typing import Annotated, Literal, TypedDict

from aistudio.artifacts import (
    Asset,
    AudioPlan,
    Brief,
    Concept,
    ModerationVerdict,
    Output,
    ProductProfile,
    ProviderJob,
    QAReport,
    RenderPlan,
    ShotList,
    ShotVisual,
    VoiceTrack,
)

JobStatus = Literal["running", "completed", "completed_with_warnings", "failed"]


class VideoInput(TypedDict):
    """What a caller hands the graph to start a job."""

    job_id: str
    brief: Brief
    reference: Asset  # the uploaded photo as stored, before ingest
    out_dir: str  # where publish exports the finished files ("" = storage only)


class VideoState(VideoInput, total=False):
    product: ProductProfile
    moderation: Annotated[list[ModerationVerdict], operator.add]
    concept: Concept
    shots: ShotList
    audio: AudioPlan
    plan: RenderPlan
    plan_qa: QAReport
    plan_attempts: Annotated[int, operator.add]
    plan_approved: bool  # set once a brief with approve_plan was approved (see render_submit)
    # Violations handed to the agents on a retry; they accumulate, so a problem that comes
    # back twice is fixed harder the second time (e.g. captions enlarged again).
    feedback: Annotated[tuple[str, ...], operator.add]
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
    status: JobStatus
    error: str
