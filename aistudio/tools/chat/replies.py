"""The offline brief agent's replies: what changed, what the tools said, what it did not
understand. Pure text from the tool results (JSON objects the brief tools return)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import ToolMessage

from aistudio.tools.chat.grammar import ParsedTurn

HELP = (
    'You can tell me the duration ("15 seconds", "shorter"), the format ("square", '
    '"vertical", "for YouTube"), the vibe ("warmer", "playful"), the voice-over (on/off, '
    '"mention free shipping"), the call to action, what to show or avoid, the kind (promo, '
    "fashion, UGC), then ask for the storyboard, the price, or to render it."
)
_LABELS = {
    "kind": "kind",
    "product_name": "product",
    "product_facts": "product facts",
    "audience": "audience",
    "vibe": "vibe",
    "duration_s": "duration",
    "aspect_ratios": "formats",
    "voice_over": "voice-over",
    "script_notes": "script notes",
    "call_to_action": "call to action",
    "must_show": "must show",
    "must_avoid": "must avoid",
    "reference": "product photo",
    "max_cost_usd": "budget",
    "video_model": "video model",
}


def describe(field: str, value: Any) -> str:  # noqa: PLR0911 - one phrasing per field
    """One changed field, as a person would say it."""
    label = _LABELS.get(field, field.replace("_", " "))
    if field == "duration_s":
        return f"duration {float(value):g} s"
    if field == "voice_over":
        return f"voice-over {'on' if value else 'off'}"
    if field == "max_cost_usd":
        return "no budget cap" if value is None else f"budget ${float(value):g}"
    if field == "kind":
        return f"kind {'UGC' if value == 'ugc' else value}"
    if field == "reference":
        return "product photo set"
    if isinstance(value, list | tuple):
        return f"{label}: " + (", ".join(str(v) for v in value) if value else "none")
    if value in ("", None):
        return f"{label} cleared"
    return f"{label} “{value}”"


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _result(message: ToolMessage) -> dict[str, Any] | None:
    try:
        data = json.loads(str(message.content))
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _said(message: ToolMessage) -> list[str]:  # noqa: PLR0911 - one phrasing per tool
    """What one tool result means for the user."""
    name = message.name or "tool"
    data = _result(message)
    if message.status == "error" or data is None:
        reason = (data or {}).get("error") or str(message.content)
        return [f"I couldn't {name.replace('_', ' ')}: {reason}"]
    if name == "update_brief":
        lines = []
        changed = data.get("changed") or {}
        if changed:
            lines.append("Changed: " + "; ".join(describe(k, v) for k, v in changed.items()) + ".")
        for field, why in (data.get("errors") or {}).items():
            lines.append(f"I could not set the {_LABELS.get(field, field)}: {why}.")
        if not changed and not data.get("errors"):
            lines.append("The brief already says that.")
        return lines
    if name == "analyze_reference":
        return [f"Product photo read: {data.get('summary', '')}".strip()]
    if name == "preview_plan":
        where = data.get("storyboard_url") or "in the thread state (preview.storyboard)"
        verdict = "passes plan QA" if data.get("plan_passed") else "does not pass plan QA yet"
        return [
            f"Storyboard for “{data.get('title', '')}”: {len(data.get('shots') or [])} shots, "
            f"{verdict}; about {_money(float(data.get('total_usd', 0.0)))} to render. {where}",
            *(f"Please check: {warning}." for warning in data.get("warnings") or ()),
        ]
    if name == "estimate_cost":
        total = _money(float(data.get("total_usd", 0.0)))
        unknown = "" if data.get("complete_price", True) else " (some model prices are unknown)"
        return [
            f"A render would cost about {total} for {len(data.get('lines') or [])} shots{unknown}."
        ]
    if name == "render":
        return [f"Rendering: job {data.get('job_id')} is {data.get('status')}."]
    if name == "job_status":
        if not data.get("job_id"):
            return ["No job has been rendered from this conversation yet."]
        progress = f" ({data.get('progress', 0)} %)" if data.get("status") == "running" else ""
        return [f"Job {data['job_id']} is {data.get('status')}{progress}."]
    return [f"{name}: {json.dumps(data)[:200]}"]


def compose_reply(
    turn: ParsedTurn,
    results: Sequence[ToolMessage],
    *,
    unavailable: Sequence[str] = (),
    greeting: bool = False,
) -> str:
    lines: list[str] = []
    for message in results:
        lines.extend(_said(message))
    for name in unavailable:
        lines.append(f"I can't {name.replace('_', ' ')} here (that tool is not available).")
    if turn.not_understood:
        quoted = "; ".join(f"“{text}”" for text in turn.not_understood)
        lines.append(f"I did not understand: {quoted}.")
    if greeting or not lines or turn.not_understood:
        lines.append(HELP)
    return "\n".join(lines)
