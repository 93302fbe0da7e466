"""Typed SQLAlchemy 2 models of the job store (the Alembic migrations must match them).

The row is the job's public face: what the API lists and reports. The work itself lives in
the LangGraph checkpoint (thread id = job id); its events (what SSE streams) in the
append-only `job_events` table; the row mirrors its stage, progress and outcome as events
arrive. `job_assets` records which stored objects each job refers to, so deleting a job
removes exactly the objects no other job shares (storage is content-addressed).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import JSON, DateTime, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aistudio.pipeline import JobStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class JobRow(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("tenant", "idempotency_key", name="uq_jobs_tenant_idempotency_key"),
        Index("ix_jobs_tenant_created", "tenant", "created_at", "id"),
        Index("ix_jobs_status", "status"),
        Index("ix_jobs_thread", "thread_id"),
        Index("ix_jobs_parent", "parent_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[JobStatus] = mapped_column(String(32), default="queued")
    stage: Mapped[str | None] = mapped_column(String(32), default=None)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str | None] = mapped_column(String(200), default=None)
    user_content: Mapped[str] = mapped_column(Text)
    user_id: Mapped[str | None] = mapped_column(String(200), default=None)
    image_url: Mapped[str | None] = mapped_column(Text, default=None)
    request: Mapped[dict[str, Any]] = mapped_column()
    request_hash: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), default=None)
    parent_id: Mapped[str | None] = mapped_column(String(64), default=None)
    reference: Mapped[dict[str, Any]] = mapped_column()  # the stored photo (Asset dump)
    error_message: Mapped[str | None] = mapped_column(Text, default=None)
    qa: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    assets: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    video_prompt: Mapped[str | None] = mapped_column(Text, default=None)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    webhook_url: Mapped[str | None] = mapped_column(Text, default=None)
    webhook_secret: Mapped[str | None] = mapped_column(String(200), default=None)
    webhook_attempts: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    deadline_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    # The server running the job and until when it holds it (see aistudio.jobs.lease).
    owner: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    # The conversation (Agent Protocol thread) that rendered this job, if any.
    thread_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # A revise instruction sent at the approval pause, until the run has planned it (stage
    # `revising`): the queue only carries job ids, so the worker reads it here.
    revision: Mapped[str | None] = mapped_column(Text, default=None)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class JobEventRow(Base):
    """One event of a job, numbered from 1 per job (the SSE event id)."""

    __tablename__ = "job_events"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event: Mapped[str] = mapped_column(String(40))
    ts: Mapped[float] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column()  # the whole record, seq and ts included


class JobAssetRow(Base):
    """A stored object (storage key) that a job refers to."""

    __tablename__ = "job_assets"
    __table_args__ = (Index("ix_job_assets_key", "key"),)

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(400), primary_key=True)


ThreadStatus = Literal["idle", "busy", "interrupted", "error"]


class ThreadRow(Base):
    """A conversation (an Agent Protocol thread) of one tenant. Its messages and brief live
    in the LangGraph checkpoint (thread id = this id); the row is its owner and face."""

    __tablename__ = "threads"
    __table_args__ = (Index("ix_threads_tenant_updated", "tenant", "updated_at"),)

    thread_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    graph_id: Mapped[str] = mapped_column(String(32))
    # "metadata" is reserved on declarative classes: the attribute is `meta`.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    status: Mapped[str] = mapped_column(String(16), default="idle")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
