"""The brief agent's tools. Each answers the model with a JSON object (or an error message
with `status="error"`), and the state-changing ones update the thread's state through a
`Command`. Refusals the user can fix (a bad value, no photo yet, a tool not available) go
back to the model as the tool result, never as a failed run."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool, tool
from langgraph.prebuilt import ToolRuntime
from langgraph.types import Command
from pydantic import ConfigDict

from aistudio.artifacts import Asset, ProductProfile
from aistudio.brief_draft import BriefDraft, BriefPatch, PlanPreview, apply_patch, to_brief
from aistudio.errors import AppError
from aistudio.nodes.brief_ports import BriefContext, BriefState, brief_context, thread_of
from aistudio.tools.chat.photos import photo_bytes, store_photo

# The runtime LangChain injects: typed with the brief graph's context (serialisable data;
# its ports are private), so validating and dumping a tool's arguments handles it as the
# model it is. The model never sees it (injected arguments stay out of the tool schema).
Runtime = ToolRuntime[BriefContext, Any]


def _reply(runtime: Runtime, name: str, body: dict[str, Any], **update: Any) -> Command[Any]:
    message = ToolMessage(
        content=json.dumps(body, default=str),
        tool_call_id=runtime.tool_call_id or "",
        name=name,
    )
    return Command(update={**update, "messages": [message]})


def _refuse(runtime: Runtime, name: str, reason: str) -> Command[Any]:
    message = ToolMessage(
        content=json.dumps({"error": reason}),
        tool_call_id=runtime.tool_call_id or "",
        name=name,
        status="error",
    )
    return Command(update={"messages": [message]})


def _draft(runtime: Runtime) -> BriefDraft:
    state: BriefState = runtime.state
    return state.get("brief") or BriefDraft()


def _context(runtime: Runtime) -> BriefContext:
    return brief_context(runtime)


class _UpdateBriefArgs(BriefPatch):
    # The ToolNode hands the injected `runtime` through the argument schema: let it pass.
    model_config = ConfigDict(extra="allow")


@tool("update_brief", args_schema=_UpdateBriefArgs)
async def update_brief(runtime: Runtime, **patch: Any) -> Command[Any]:
    """Change the video brief. Pass only the fields to change; lists grow with the add_*
    fields and are emptied by naming them in `clear`. Returns what changed and, per field,
    why a value was refused (ranges: duration 6-60 s, up to 3 formats)."""
    patch.pop("runtime", None)
    result = apply_patch(_draft(runtime), BriefPatch.model_validate(patch))
    body = {"changed": result.changed, "errors": result.errors}
    return _reply(runtime, "update_brief", body, brief=result.changed)


def summarise(product: ProductProfile) -> str:
    """What the photo showed, in a sentence for the conversation."""
    parts = []
    analysis = product.analysis
    if analysis and (analysis.product_name or analysis.brand):
        parts.append(analysis.product_name or analysis.brand)
    if product.detected_text:
        parts.append("label reads " + ", ".join(product.detected_text[:6]))
    parts.append("colours " + ", ".join(product.palette[:3]))
    parts.append(f"product fills {product.mask_coverage:.0%} of the photo")
    return "; ".join(parts)


@tool("analyze_reference")
async def analyze_reference(
    runtime: Runtime, photo: str | None = None, url: str | None = None
) -> Command[Any]:
    """Read the product photo and make it the brief's reference: an attached photo by name
    ("photo-1") or an http(s) URL. Returns what the photo shows (label text, colours)."""
    tools = await _context(runtime).prepare()
    photos: dict[str, Asset] = runtime.state.get("photos") or {}
    try:
        if url:
            data = await photo_bytes(url, tools.settings)
            asset = await store_photo(tools.storage, data, tools.settings.limits)
        elif photo and photo in photos:
            asset = photos[photo]
        else:
            known = ", ".join(photos) or "none"
            return _refuse(runtime, "analyze_reference", f"no photo {photo!r} (attached: {known})")
        product = await tools.ingestor.ingest(await tools.storage.read_bytes(asset))
    except AppError as exc:
        return _refuse(runtime, "analyze_reference", exc.message)
    summary = summarise(product)
    draft = _draft(runtime)
    changes: dict[str, Any] = {"reference": asset, "product_summary": summary[:1000]}
    if not draft.product_name and product.analysis and product.analysis.product_name:
        changes["product_name"] = product.analysis.product_name[:120]
    body = {"summary": summary, "label_text": list(product.detected_text)}
    return _reply(runtime, "analyze_reference", body, brief=changes)


def _no_photo() -> str:
    return "the brief has no product photo yet: attach one or give its URL"


def _preview_body(preview: PlanPreview) -> dict[str, Any]:
    return {
        "title": preview.title,
        "tagline": preview.tagline,
        "call_to_action": preview.call_to_action,
        "shots": [shot.model_dump() for shot in preview.shots],
        "voice_over": list(preview.voice_over),
        "plan_passed": preview.plan_passed,
        "violations": list(preview.violations),
        "warnings": list(preview.warnings),
        "storyboard_url": preview.storyboard_url,
        "total_usd": preview.total_usd,
        "complete_price": preview.complete_price,
    }


async def _plan(runtime: Runtime, name: str, *, storyboard: bool) -> Command[Any] | PlanPreview:
    context, draft = _context(runtime), _draft(runtime)
    if context.previewer is None:
        return _refuse(runtime, name, "planning is not available here")
    if draft.reference is None:
        return _refuse(runtime, name, _no_photo())
    runtime.stream_writer({"event": "planning", "tool": name})
    label = f"chat-{thread_of(runtime.config)[:8] or 'studio'}"
    try:
        preview = await context.previewer.preview(
            to_brief(draft), draft.reference, label, storyboard=storyboard
        )
    except AppError as exc:
        return _refuse(runtime, name, exc.message)
    preview = preview.model_copy(update={"brief_fingerprint": draft.fingerprint()})
    runtime.stream_writer(
        {"event": "planned", "tool": name, "storyboard_url": preview.storyboard_url}
    )
    return preview


@tool("preview_plan")
async def preview_plan(runtime: Runtime) -> Command[Any]:
    """Plan the video for the current brief and draw its storyboard; nothing is rendered or
    paid. Returns the shots, the voice-over, plan QA, the storyboard link and the cost."""
    planned = await _plan(runtime, "preview_plan", storyboard=True)
    if isinstance(planned, Command):
        return planned
    return _reply(runtime, "preview_plan", _preview_body(planned), preview=planned)


@tool("estimate_cost")
async def estimate_cost(runtime: Runtime) -> Command[Any]:
    """What rendering the current brief would cost on the configured video provider, per
    shot (from the last preview when the brief has not changed since)."""
    draft = _draft(runtime)
    preview = runtime.state.get("preview")
    update: dict[str, Any] = {}
    if preview is None or preview.brief_fingerprint != draft.fingerprint():
        planned = await _plan(runtime, "estimate_cost", storyboard=False)
        if isinstance(planned, Command):
            return planned
        preview = update["preview"] = planned
    body = {
        "total_usd": preview.total_usd,
        "complete_price": preview.complete_price,
        "lines": [line.model_dump() for line in preview.costs],
        "budget_usd": draft.max_cost_usd,
    }
    return _reply(runtime, "estimate_cost", body, **update)


@tool("render")
async def render(runtime: Runtime) -> Command[Any]:
    """Render the current brief as a video job (this is what costs money on a hosted
    provider). Returns the job id; job_status follows it."""
    context, draft = _context(runtime), _draft(runtime)
    if context.desk is None:
        return _refuse(runtime, "render", "rendering is not available here")
    if draft.reference is None:
        return _refuse(runtime, "render", _no_photo())
    try:
        ticket = await context.desk.render(draft, thread_of(runtime.config))
    except AppError as exc:
        return _refuse(runtime, "render", exc.message)
    runtime.stream_writer({"event": "job_created", "job_id": ticket.job_id})
    return _reply(runtime, "render", ticket.model_dump(), jobs=[ticket.job_id])


@tool("job_status")
async def job_status(runtime: Runtime, job_id: str | None = None) -> Command[Any]:
    """The status and progress of a job rendered from this conversation (the newest one
    when no id is given)."""
    context = _context(runtime)
    if context.desk is None:
        return _refuse(runtime, "job_status", "the job system is not available here")
    try:
        ticket = await context.desk.status(job_id, thread_of(runtime.config))
    except AppError as exc:
        return _refuse(runtime, "job_status", exc.message)
    return _reply(runtime, "job_status", ticket.model_dump() if ticket else {"job_id": None})


BRIEF_TOOLS: tuple[BaseTool, ...] = (
    update_brief,
    analyze_reference,
    preview_plan,
    estimate_cost,
    render,
    job_status,
)
