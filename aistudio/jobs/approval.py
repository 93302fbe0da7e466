"""What a job paused for plan approval shows: its plan and storyboard, as assets.

The graph stopped in render_submit before submitting anything (see `aistudio.nodes.render`);
these are made from its checkpointed values with the same tools a quote uses, so the client
reviews exactly the plan that will be rendered once approved.
"""

from __future__ import annotations

import json
from typing import Any

from aistudio.graph.planning import PlannedJob
from aistudio.graph.preview import storyboard
from aistudio.jobs.progress import asset_records, outcome
from aistudio.nodes.publish import plan_document
from aistudio.pipeline import AWAITING_APPROVAL
from aistudio.tools.toolbox import Toolbox


def approval_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Row fields of a paused job: what a finished one reports, minus the ending."""
    fields = outcome(values)
    for key in ("assets", "cost_usd", "error_message"):
        fields.pop(key)
    fields.update(status=AWAITING_APPROVAL, stage=AWAITING_APPROVAL)
    return fields


async def approval_assets(toolbox: Toolbox, values: dict[str, Any]) -> dict[str, Any]:
    """storyboard.png (the local keyframes) and plan.json, as the row's asset records."""
    board = await storyboard(toolbox, PlannedJob.from_state(values))
    document = json.dumps(plan_document(values), indent=2).encode()  # type: ignore[arg-type]
    plan = await toolbox.storage.put_bytes(
        document, kind="plan", mime="application/json", ext="json"
    )
    return asset_records({"storyboard.png": board.key, "plan.json": plan.key})
