"""`aistudio doctor`: is everything the embedded default needs present and working?"""

from __future__ import annotations

import asyncio
import functools
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from rich.console import Console
from rich.table import Table

from aistudio.errors import AppError
from aistudio.settings import Settings
from aistudio.tools.reachability import configured_providers, reach, tracing_status
from aistudio.tools.toolbox import Toolbox, build_toolbox

Probe = Callable[[], Awaitable[str]]
MIN_OCR_SIMILARITY = 0.8


async def run_doctor(settings: Settings, console: Console) -> bool:
    try:
        tools = build_toolbox(settings)
    except AppError as exc:
        console.print(f"[red]cannot build the toolbox:[/] {exc}")
        return False
    checks = _local_checks(settings, tools)
    providers = configured_providers(settings)
    for provider in providers:
        checks[provider.name] = functools.partial(reach, provider)
    table = Table(title="aistudio doctor")
    table.add_column("check")
    table.add_column("result")
    ok = True
    for name, probe in checks.items():
        try:
            result = await probe()
        except (AppError, OSError, RuntimeError, ValueError, httpx.HTTPError) as exc:
            ok = False
            table.add_row(name, f"[red]{str(exc) or type(exc).__name__}")
            continue
        refused = "refused" in result
        ok = ok and not refused
        table.add_row(name, f"[{'red' if refused else 'green'}]{result}")
    if not providers:
        table.add_row("hosted providers", "none configured: everything runs locally")
    if (why_untraced := tracing_status(settings)) is not None:
        table.add_row("tracing: LangSmith", why_untraced)
    console.print(table)
    return ok


def _local_checks(settings: Settings, tools: Toolbox) -> dict[str, Probe]:
    async def ffmpeg() -> str:
        version = await tools.ffmpeg.version()
        encoders = await tools.ffmpeg.has_encoders("libx264", "aac")
        if missing := [name for name, ok in encoders.items() if not ok]:
            raise RuntimeError(f"{version}: missing encoders {', '.join(missing)}")
        return f"{version} (libx264, aac)"

    async def voice() -> str:
        with tempfile.TemporaryDirectory() as tmp:
            seconds = await tools.voice.synthesize("Doctor check.", Path(tmp) / "v.wav")
        return f"{tools.voice.voice_id}: {seconds:.2f}s sample"

    async def music() -> str:
        with tempfile.TemporaryDirectory() as tmp:
            await tools.music.compose("calm", 80, 2.0, 0, Path(tmp) / "m.wav")
        return tools.music.name

    async def moderation() -> str:
        verdict = await tools.moderator.check_text("A lovely ceramic mug.", subject="brief")
        return f"{tools.moderator.name}: text rules {'ok' if verdict.allowed else 'BROKEN'}"

    async def vision_models() -> str:
        # OCR and the image moderation models load from their wheels: read a rendered word
        # back and clear a plain test card, so a broken install shows here, not mid-job.
        card = Image.new("RGB", (640, 200), (250, 250, 245))
        ImageDraw.Draw(card).text(
            (40, 50), "DOCTOR", fill=(20, 20, 20), font=ImageFont.load_default(size=96)
        )
        similarity = await tools.inspector.caption_similarity(np.asarray(card), "DOCTOR")
        if similarity < MIN_OCR_SIMILARITY:
            raise RuntimeError(f"OCR read back {similarity:.2f} of a rendered word")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "card.png"
            card.save(path)
            verdict = await tools.moderator.check_images(
                [path], subject="doctor", humans_allowed=False
            )
        if not verdict.allowed:
            raise RuntimeError(f"a blank test card was flagged: {verdict.reason}")
        return f"rapidocr ok ({similarity:.2f}), {tools.moderator.name}"

    async def writable() -> str:
        for folder in (settings.storage_dir, settings.checkpoint_db.parent):
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".doctor"
            await asyncio.to_thread(probe.write_text, "ok")
            probe.unlink()
        return str(settings.data_dir.resolve())

    return {
        "ffmpeg": ffmpeg,
        "voice (piper)": voice,
        "music synth": music,
        "moderation": moderation,
        "vision models": vision_models,
        "data folder": writable,
    }
