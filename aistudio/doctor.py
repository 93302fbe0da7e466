"""`aistudio doctor`: is everything the embedded default needs present and working?"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from aistudio.errors import AppError
from aistudio.settings import Settings
from aistudio.tools.toolbox import build_toolbox

Probe = Callable[[], Awaitable[str]]


async def run_doctor(settings: Settings, console: Console) -> bool:
    try:
        tools = build_toolbox(settings)
    except AppError as exc:
        console.print(f"[red]cannot build the toolbox:[/] {exc}")
        return False

    async def ffmpeg() -> str:
        return await tools.ffmpeg.version()

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

    async def writable() -> str:
        for folder in (settings.storage_dir, settings.checkpoint_db.parent):
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".doctor"
            await asyncio.to_thread(probe.write_text, "ok")
            probe.unlink()
        return str(settings.data_dir.resolve())

    checks: dict[str, Probe] = {
        "ffmpeg": ffmpeg, "voice (piper)": voice, "music synth": music,
        "moderation": moderation, "data folder": writable,
    }
    table = Table(title="aistudio doctor")
    table.add_column("check")
    table.add_column("result")
    ok = True
    for name, probe in checks.items():
        try:
            table.add_row(name, f"[green]{await probe()}")
        except (AppError, OSError, RuntimeError, ValueError) as exc:
            ok = False
            table.add_row(name, f"[red]{exc}")
    console.print(table)
    return ok
