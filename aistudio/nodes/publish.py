"""Publish: the job's documents (plan, QA, provenance, captions, storyboard) and the export.

Also the `fail` node, which ends a job with a reason and still writes what is known.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from aistudio import __version__
from aistudio.artifacts import Asset, AssetKind, Caption, QAReport
from aistudio.nodes.common import Update, node, toolbox
from aistudio.nodes.render import spent_usd
from aistudio.pipeline import VideoState
from aistudio.tools.protocols import TitleWriter
from aistudio.tools.render.captions import to_srt, to_vtt
from aistudio.tools.toolbox import StudioContext, Toolbox


def _dump(value: Any) -> Any:
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def plan_document(state: VideoState) -> dict[str, Any]:
    keys = ("brief", "product", "concept", "shots", "audio", "plan", "plan_qa")
    return {key: _dump(state.get(key)) for key in keys if state.get(key) is not None}


async def provenance_document(
    tools: Toolbox, state: VideoState, assets: dict[str, Asset]
) -> dict[str, Any]:
    """Everything that made the video: prompts, seeds, tool ids and versions, verdicts."""
    plan = state.get("plan")
    voice = state.get("voice")
    return {
        "job_id": state["job_id"],
        "aistudio_version": __version__,
        "brief": _dump(state["brief"]),
        "seed": state["brief"].seed,
        "reference": _dump(state["reference"]),
        "tools": {
            "planner": tools.planner.name,
            "video_provider": tools.video.name,
            "ffmpeg": await tools.ffmpeg.version(),
            "voice": f"{tools.voice.name}:{tools.voice.voice_id}" if voice else None,
            "music": tools.music.name,
            "moderation": tools.moderator.name,
            "storage": tools.storage.name,
        },
        "prompts": [
            {"shot": s.shot_index, "prompt": s.prompt, "seed": s.seed}
            for s in (plan.shots if plan else ())
        ],
        "render_jobs": [_dump(j) for j in state.get("render_jobs", [])],
        # What the providers were quoted for every submission this job made, remakes included
        # (render_jobs keeps only the latest take of each shot).
        "submissions": [_dump(j) for j in state.get("submissions", [])],
        "cost_usd": round(spent_usd(state.get("submissions", [])), 4),
        "moderation": [_dump(v) for v in state.get("moderation", [])],
        "voice_lines": [_dump(c) for c in voice.lines] if voice else [],
        "assets": {name: _dump(asset) for name, asset in sorted(assets.items())},
    }


async def _put_json(tools: Toolbox, doc: dict[str, Any], kind: AssetKind) -> Asset:
    data = json.dumps(doc, indent=2, sort_keys=False).encode()
    return await tools.storage.put_bytes(
        data,
        kind=kind,
        mime="application/json",
        ext="json",
    )


async def _export(tools: Toolbox, state: VideoState, assets: dict[str, Asset]) -> dict[str, str]:
    out_dir = state.get("out_dir") or ""
    if not out_dir:
        return {name: asset.key for name, asset in assets.items()}
    exported = {}
    for name, asset in assets.items():
        exported[name] = str(await tools.storage.export(asset, Path(out_dir) / name))
    return exported


def _caption_source(state: VideoState) -> list[Caption]:
    # Subtitle files carry what is spoken when there is a voice-over, else the on-screen text.
    voice = state.get("voice")
    if voice and voice.lines:
        return list(voice.lines)
    return list(state["plan"].captions)


@node("publish")
async def publish(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    tools = toolbox(runtime)
    storage = tools.storage
    assets: dict[str, Asset] = {}
    for output in state["outputs"]:
        tag = output.aspect.replace(":", "x")
        assets[f"video_{tag}.mp4"] = output.video
        assets[f"poster_{tag}.jpg"] = output.poster
    first = state["plan"].aspect_ratios[0]
    assets["storyboard.png"] = await tools.composer.storyboard(
        [v for v in state["visuals"] if v.aspect == first],
        state["plan"],
        state["shots"],
        state["concept"].title,
    )
    cues = _caption_source(state)
    assets["captions.srt"] = await storage.put_bytes(
        to_srt(cues).encode(), kind="captions_srt", mime="application/x-subrip", ext="srt"
    )
    assets["captions.vtt"] = await storage.put_bytes(
        to_vtt(cues).encode(), kind="captions_vtt", mime="text/vtt", ext="vtt"
    )
    assets["plan.json"] = await _put_json(tools, plan_document(state), "plan")
    report = state["output_qa"]
    assets["qa.json"] = await _put_json(
        tools,
        {
            "plan": _dump(state.get("plan_qa")),
            "output": _dump(report),
            "passed": report.passed,
            "warnings": [*_warnings(state.get("plan_qa")), *report.warnings],
        },
        "qa",
    )
    title = state["concept"].title
    if isinstance(tools.planner, TitleWriter):
        title = await tools.planner.title(state["brief"], state["concept"])
    provenance = await provenance_document(tools, state, assets)
    assets["provenance.json"] = await _put_json(tools, {"title": title, **provenance}, "provenance")
    status = "completed" if report.passed else "completed_with_warnings"
    return {"published": await _export(tools, state, assets), "status": status, "title": title}


def _warnings(report: QAReport | None) -> tuple[str, ...]:
    return report.warnings if report is not None else ()


@node("fail")
async def fail(state: VideoState, *, runtime: Runtime[StudioContext]) -> Update:
    """End the job `failed` with a reason; keep the QA report that explains it."""
    tools = toolbox(runtime)
    error = state.get("error")
    if not error:
        report = state.get("output_qa") or state.get("plan_qa")
        error = "; ".join(report.violations) if report else "failed"
        error = f"plan QA failed after retries: {error}"
    doc = {
        "error": error,
        "plan": _dump(state.get("plan_qa")),
        "output": _dump(state.get("output_qa")),
    }
    assets = {"qa.json": await _put_json(tools, doc, "qa")}
    return {"status": "failed", "error": error, "published": await _export(tools, state, assets)}
