"""Render benchmark: our render vs the raw x264 floor vs the same composition in MoviePy.

Renders the 12 s 9:16 promo (4 shots, captions, voice-over, music, end card) from a sample
photo, then in the same run (a) encodes the same number of frames with x264 at the same
settings from raw video already on disk — the floor no composition can beat — and (b) makes
the same composition through MoviePy, which the most popular open-source peer uses.
Prints one JSON line of wall seconds and ratios.

    .venv/bin/python bench/render.py [--skip-moviepy] [--image PHOTO]

`--image` renders another photo with the same brief: a real photo whose cut-out is refused
(e.g. tests/corpus/photos/scene-coffee.jpg) measures the full-photo layout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aistudio.artifacts import Brief  # noqa: E402
from aistudio.settings import Settings  # noqa: E402
from aistudio.tools.toolbox import Toolbox, build_toolbox  # noqa: E402
from bench.moviepy_path import render_with_moviepy  # noqa: E402
from bench.pipeline import RenderJob, plan_job, render_job  # noqa: E402

BRIEF = (
    "AURUM Eau de Parfum: a warm amber and vanilla scent with sandalwood, in a hand-polished "
    "glass bottle with a gold cap. Long-lasting. Shop now at aurum.example"
)


def _raw_floor(
    ffmpeg: str, video: Path, frames: int, fps: int, work: Path, settings: Settings
) -> float:
    """x264 alone on the same frames: decode to raw YUV first (untimed), then time the encode."""
    raw = work / "frames.yuv"
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-i",
            str(video),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            str(raw),
        ],
        check=True,
    )
    out = work / "floor.mp4"
    argv = [
        ffmpeg,
        "-v",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-s",
        "1080x1920",
        "-r",
        str(fps),
        "-i",
        str(raw),
        "-frames:v",
        str(frames),
        "-c:v",
        "libx264",
        "-preset",
        settings.render.x264_preset,
        "-crf",
        str(settings.render.x264_crf),
        "-pix_fmt",
        "yuv420p",
        str(out),
    ]
    started = time.perf_counter()
    subprocess.run(argv, check=True)
    elapsed = time.perf_counter() - started
    raw.unlink()
    return elapsed


async def _render(toolbox: Toolbox, job: RenderJob, phases: dict[str, float]) -> tuple[float, Path]:
    started = time.perf_counter()
    video = await render_job(toolbox, job, phases)
    return time.perf_counter() - started, video


async def main(skip_moviepy: bool, image: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="aistudio-bench-") as tmp:
        work = Path(tmp)
        settings = Settings(data_dir=work / "data")
        toolbox = build_toolbox(settings)
        brief = Brief(
            kind="promo", text=BRIEF, voice_over=True, aspect_ratios=("9:16",), duration_s=12.0
        )
        job = await plan_job(toolbox, brief, image, shots=4)
        # Warm the models a worker keeps loaded (voice, OCR are not part of rendering).
        await toolbox.voice.synthesize("Warm up.", work / "warm.wav")
        phases: dict[str, float] = {}
        render_s, video = await _render(toolbox, job, phases)
        fps = job.plan.fps
        frames = round(job.plan.duration_s * fps)
        floor_s = await asyncio.to_thread(
            _raw_floor, toolbox.ffmpeg.binary, video, frames, fps, work, settings
        )
        result: dict[str, Any] = {
            "image": image.name,
            "layout": job.plan.layout,
            "video_s": job.plan.duration_s,
            "shots": len(job.plan.shots),
            "render_wall_s": round(render_s, 2),
            **phases,
            "raw_encode_floor_s": round(floor_s, 2),
            "render_vs_duration": round(render_s / job.plan.duration_s, 3),
            "render_vs_floor": round(render_s / floor_s, 3),
        }
        if not skip_moviepy:
            moviepy_s = await asyncio.to_thread(
                render_with_moviepy, toolbox, job, work / "moviepy.mp4"
            )
            result["moviepy_wall_s"] = round(moviepy_s, 2)
            result["moviepy_vs_render"] = round(moviepy_s / render_s, 2)
        return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-moviepy", action="store_true")
    parser.add_argument("--image", type=Path, default=ROOT / "examples" / "aurum-perfume.png")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.skip_moviepy, args.image.resolve()))))
