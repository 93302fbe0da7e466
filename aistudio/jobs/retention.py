"""What is kept of a job, and for how long.

* A finished job keeps two checkpoints: its last one (what it ended with: fork it to
  remix or revise the outcome) and the one its first render step ran from, the plan as
  QA passed it (fork there to revise a shot: change it and render again, without
  planning again). Everything else of its thread goes when it finishes.
* `DELETE /api/v1/jobs/{id}` and `aistudio prune --older-than 30d` remove a finished job
  entirely: its row, events, checkpoints, and the stored objects no other job refers to.
  Storage is content-addressed (a remix shares its parent's photo; two jobs of the same
  photo share its cut-out), so objects are counted by reference (`job_assets`) and an
  object another job still refers to stays.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError

from aistudio.errors import InputError
from aistudio.graph.checkpoint import trim_thread
from aistudio.jobs.events import forget_job, still_referenced
from aistudio.jobs.models import JobRow
from aistudio.jobs.runner import JobRunner
from aistudio.jobs.store import JobStore
from aistudio.pipeline import FINAL_STATUSES, RenderStep
from aistudio.tools.protocols import Storage

log = logging.getLogger("aistudio.jobs")
# The node a shot revise re-runs from: the checkpoint it ran from is the passed plan.
FORK_NODE: RenderStep = "render_submit"
AGE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
PRUNE_BATCH = 200


@dataclass(frozen=True)
class Removed:
    job_id: str
    events: int
    objects: int  # stored objects deleted (those no other job refers to)


def parse_age(text: str) -> timedelta:
    """'30d', '12h', '90m', '3600s', '2w' -> a timedelta."""
    match = AGE_RE.match(text)
    if match is None:
        raise InputError(f"an age is a number and a unit (s, m, h, d, w), e.g. 30d; got {text!r}")
    return timedelta(seconds=float(match[1]) * AGE_UNITS[match[2]])


async def trim_checkpoints(runner: JobRunner, job_id: str) -> list[str]:
    """Keep only the checkpoints a fork or revise needs (see the module doc); best effort:
    a failure leaves more checkpoints than needed, never fewer."""
    graph = await runner.graph()
    try:
        return await trim_thread(graph.checkpointer, job_id, FORK_NODE)  # type: ignore[arg-type]
    except (sqlite3.Error, psycopg.Error) as exc:
        log.warning("job %s: checkpoints not trimmed: %s", job_id, exc, extra={"job_id": job_id})
        return []


async def delete_job(store: JobStore, runner: JobRunner, storage: Storage, job_id: str) -> Removed:
    """Remove a job: the row, events and references in one transaction, then its
    checkpoints, then the stored objects nobody else refers to (a crash in between leaves
    objects behind, never a job pointing at deleted ones)."""
    async with store.engine.begin() as conn:
        unshared, events = await forget_job(conn, job_id)
    graph = await runner.graph()
    await graph.checkpointer.adelete_thread(job_id)  # type: ignore[union-attr]
    # A job made since may have stored the same bytes (same key): look once more.
    async with store.engine.connect() as conn:
        doomed = sorted(set(unshared) - await still_referenced(conn, unshared))
    await storage.delete(doomed)
    log.info(
        "job %s deleted (%d events, %d objects)",
        job_id,
        events,
        len(doomed),
        extra={"job_id": job_id},
    )
    return Removed(job_id, events, len(doomed))


async def _finished_before(store: JobStore, moment: datetime) -> list[str]:
    finished = or_(*(JobRow.status == status for status in FINAL_STATUSES))
    async with store.engine.connect() as conn:
        result = await conn.execute(
            select(JobRow.id)
            .where(finished, JobRow.finished_at < moment)
            .order_by(JobRow.finished_at)
            .limit(PRUNE_BATCH)
        )
        return list(result.scalars())


async def prune(
    store: JobStore, runner: JobRunner, storage: Storage, older_than: timedelta, now: datetime
) -> list[Removed]:
    """Delete every job that finished more than `older_than` before `now`."""
    removed: list[Removed] = []
    while batch := await _finished_before(store, now - older_than):
        for job_id in batch:
            try:
                removed.append(await delete_job(store, runner, storage, job_id))
            except SQLAlchemyError as exc:
                log.warning("job %s not pruned: %s", job_id, exc, extra={"job_id": job_id})
                return removed
    return removed
