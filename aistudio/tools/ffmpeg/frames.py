"""Frame sampling for QA, and poster frames."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from aistudio.tools.ffmpeg.probe import probe_media
from aistudio.tools.ffmpeg.runner import run_ffmpeg


async def extract_frames(
    path: Path, times_s: Sequence[float], ffmpeg: str, timeout_s: float, *, width: int | None = None
) -> list[np.ndarray]:
    """RGB frames nearest to `times_s`, in the order asked, from one decoding pass."""
    if not times_s:
        return []
    info = await probe_media(path)
    numbers = [
        min(max(0, round(t * info.fps)), max(0, round(info.duration_s * info.fps) - 1))
        for t in times_s
    ]
    unique = sorted(set(numbers))
    out_w = width or info.width
    out_h = round(info.height * out_w / info.width / 2) * 2
    select = "+".join(f"eq(n\\,{n})" for n in unique)
    scratch = path.with_name(f".frames-{path.stem}.rgb")
    try:
        await run_ffmpeg(
            [
                ffmpeg,
                "-hide_banner",
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-i",
                str(path),
                "-vf",
                f"select='{select}',scale={out_w}:{out_h}",
                "-fps_mode",
                "passthrough",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "rgb24",
                str(scratch),
            ],
            timeout_s=timeout_s,
        )
        data = await asyncio.to_thread(np.fromfile, scratch, dtype=np.uint8)
    finally:
        await asyncio.to_thread(scratch.unlink, missing_ok=True)
    frame_bytes = out_w * out_h * 3
    count = data.size // frame_bytes
    frames = data[: count * frame_bytes].reshape(count, out_h, out_w, 3)
    by_number = {n: frames[min(i, count - 1)] for i, n in enumerate(unique)}
    return [by_number[n].copy() for n in numbers]


async def extract_poster(path: Path, t_s: float, out: Path, ffmpeg: str, timeout_s: float) -> None:
    await run_ffmpeg(
        [
            ffmpeg,
            "-hide_banner",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-ss",
            f"{t_s:.3f}",
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-q:v",
            "2",
            str(out),
        ],
        timeout_s=timeout_s,
    )
