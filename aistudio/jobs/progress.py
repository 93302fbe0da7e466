"""Turn a job's event stream into what the API reports: stage, overall progress, outcome.

Pure functions and a small tracker: unit-testable without a graph or a database.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from typing import Any

from aistudio.artifacts import QAReport
from aistudio.pipeline import NODE_SPAN, JobEvent, JobStage, NodeFinished, NodeProgress, NodeStarted

# How far overall progress must move before it is journaled (SSE) and written to the row.
PROGRESS_STEP = 2


@dataclass
class ProgressTracker:
    stage: JobStage | None = None
    percent: int = 0
    reported: int = field(default=0)

    def observe(self, event: JobEvent) -> bool:
        """Fold one event in; True when stage or reported progress changed."""
        if not isinstance(event, NodeStarted | NodeFinished | NodeProgress):
            return False
        span = NODE_SPAN.get(event.node)
        if span is None:  # a node outside the job's steps (fail, store_photo)
            return False
        before = (self.stage, self.reported)
        low, high = span
        if isinstance(event, NodeStarted):
            self.stage = event.node
            fraction = 0.0
        else:
            fraction = 1.0 if isinstance(event, NodeFinished) else event.fraction
        self.percent = max(self.percent, min(99, int(100 * (low + (high - low) * fraction))))
        if self.percent - self.reported >= PROGRESS_STEP or isinstance(event, NodeStarted):
            self.reported = self.percent
        return (self.stage, self.reported) != before


def _report_summary(report: Any) -> dict[str, Any] | None:
    if not isinstance(report, QAReport):
        return None
    return {
        "passed": report.passed,
        "attempt": report.attempt,
        "violations": list(report.violations),
        "warnings": list(report.warnings),
        "checks": len(report.checks),
    }


def qa_summary(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "plan": _report_summary(values.get("plan_qa")),
        "output": _report_summary(values.get("output_qa")),
    }


def asset_records(published: dict[str, str]) -> dict[str, dict[str, str]]:
    """File name -> storage key and media type, for the download and asset routes."""
    records = {}
    for name, key in published.items():
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if name.endswith(".srt"):
            mime = "application/x-subrip"
        records[name] = {"key": key, "mime": mime}
    return records


def outcome(values: dict[str, Any]) -> dict[str, Any]:
    """The row fields a finished graph run fills in."""
    concept = values.get("concept")
    plan = values.get("plan")
    # What this job paid for: its submissions (a shot revise inherits its parent's renders,
    # not their bill); a checkpoint without them, the current take of each shot.
    paid = values.get("submissions") or [
        r for job in values.get("render_jobs") or [] for r in job.paid
    ]
    prompt = plan.shots[0].prompt if plan is not None and plan.shots else None
    return {
        "status": values.get("status", "failed"),
        "error_message": values.get("error"),
        # publish's short title (the title agent), else the concept's (older checkpoints).
        "title": values.get("title") or getattr(concept, "title", None),
        "video_prompt": prompt or getattr(concept, "logline", None),
        "qa": qa_summary(values),
        "assets": asset_records(values.get("published") or {}),
        # each clip and the scenes made for its first frame, counted once per request
        "cost_usd": round(sum({(r.provider, r.request_id): r.cost_usd for r in paid}.values()), 4),
    }
