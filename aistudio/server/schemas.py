"""Response bodies of the API (typed, so the OpenAPI document describes them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from aistudio.jobs.models import JobRow


class SubmitResponse(BaseModel):
    """The original AI Studio answer to a generate call, plus where to look next."""

    job_id: str
    status: str
    status_url: str
    events_url: str
    webhook_secret: str | None = Field(
        default=None, description="Verifies this job's webhook signatures (when one was given)."
    )


class QAStage(BaseModel):
    passed: bool
    attempt: int
    violations: list[str] = Field(description="What failed the stage (an agent may fix it).")
    warnings: list[str] = Field(
        default_factory=list,
        description="What a person should check; fails nothing (e.g. the photo's label names "
        "another brand than the brief).",
    )
    checks: int


class QASummary(BaseModel):
    plan: QAStage | None = None
    output: QAStage | None = None


class AssetInfo(BaseModel):
    name: str
    mime: str
    url: str | None = Field(default=None, description="Signed link; expires.")
    expires_at: int | None = None


_IMAGE_URL = (
    "The reference photo: the URL you gave, else a signed, expiring link to the uploaded one."
)


class JobView(BaseModel):
    id: str
    kind: str
    status: str
    stage: str | None
    progress: int = Field(ge=0, le=100)
    title: str | None
    user_content: str
    user_id: str | None
    image_url: str | None = Field(description=_IMAGE_URL)
    error_message: str | None
    qa: QASummary | None
    assets: list[AssetInfo]
    cost_usd: float
    parent_id: str | None
    webhook_url: str | None
    webhook_attempts: list[dict[str, Any]] | None
    deadline_at: datetime | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class StatusView(BaseModel):
    """GET /video/status: the original AI Studio fields, then the richer ones."""

    id: str
    title: str | None
    image_url: str | None = Field(description=_IMAGE_URL)
    user_content: str
    status: str
    video_url: str | None
    video_prompt: str | None
    error_message: str | None
    user_id: str | None
    created_at: datetime
    kind: str
    stage: str | None
    progress: int = Field(ge=0, le=100)
    qa: QASummary | None
    assets: list[AssetInfo]
    cost_usd: float
    parent_id: str | None = Field(
        default=None, description="The job this one remixes, or one of whose shots it revises."
    )


class JobPage(BaseModel):
    items: list[JobView]
    next_cursor: str | None


class AssetList(BaseModel):
    job_id: str
    status: str
    assets: list[AssetInfo]


class Health(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)


def utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _qa(row: JobRow) -> QASummary | None:
    return QASummary.model_validate(row.qa) if row.qa else None


def job_view(row: JobRow, assets: list[AssetInfo], image_url: str | None) -> JobView:
    return JobView(
        id=row.id,
        kind=row.kind,
        status=row.status,
        stage=row.stage,
        progress=row.progress,
        title=row.title,
        user_content=row.user_content,
        user_id=row.user_id,
        image_url=image_url,
        error_message=row.error_message,
        qa=_qa(row),
        assets=assets,
        cost_usd=row.cost_usd,
        parent_id=row.parent_id,
        webhook_url=row.webhook_url,
        webhook_attempts=row.webhook_attempts,
        deadline_at=utc(row.deadline_at),
        created_at=utc(row.created_at) or row.created_at,
        updated_at=utc(row.updated_at) or row.updated_at,
        finished_at=utc(row.finished_at),
    )


def status_view(row: JobRow, assets: list[AssetInfo], image_url: str | None) -> StatusView:
    video = next((a.url for a in assets if a.mime == "video/mp4"), None)
    return StatusView(
        id=row.id,
        title=row.title,
        image_url=image_url,
        user_content=row.user_content,
        status=row.status,
        video_url=video,
        video_prompt=row.video_prompt,
        error_message=row.error_message,
        user_id=row.user_id,
        created_at=utc(row.created_at) or row.created_at,
        kind=row.kind,
        stage=row.stage,
        progress=row.progress,
        qa=_qa(row),
        assets=assets,
        cost_usd=row.cost_usd,
        parent_id=row.parent_id,
    )
