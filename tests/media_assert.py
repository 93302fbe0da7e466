"""Independent measurements for assertions (not the code under test): PyAV + ffmpeg loudnorm."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import av


@dataclass(frozen=True)
class Measured:
    duration_s: float
    width: int
    height: int
    fps: float
    video_codec: str
    audio_codec: str | None
    lufs: float
    true_peak: float


def measure(path: Path, ffmpeg: str) -> Measured:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        duration = float(container.duration or 0) / 1_000_000
        fps = float(video.average_rate or 0)
        vcodec, width, height = video.codec_context.name, video.width, video.height
        acodec = audio.codec_context.name if audio else None
    proc = subprocess.run(
        [
            ffmpeg,
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-vn",
            "-af",
            "loudnorm=print_format=json",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    match = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", proc.stderr, re.S)
    assert match, proc.stderr[-2000:]
    stats = json.loads(match.group(0))
    return Measured(
        duration,
        width,
        height,
        fps,
        vcodec,
        acodec,
        float(stats["input_i"]),
        float(stats["input_tp"]),
    )
