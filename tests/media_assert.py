"""Independent measurements for assertions (not the code under test): PyAV + ffmpeg's
ebur128 meter (the BS.1770 reference in FFmpeg; pyloudnorm is not in the venv), run and
parsed here. (loudnorm's own analysis read 0.5 LU below ebur128 on an 8 s promo: it is a
normaliser's estimate, not a meter.)"""

from __future__ import annotations

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
            "ebur128=peak=true:framelog=quiet",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    summary = proc.stderr[proc.stderr.rfind("Summary:") :]
    integrated = re.search(r"I:\s*(-?[\d.]+|-inf)\s*LUFS", summary)
    peak = re.search(r"Peak:\s*(-?[\d.]+|-inf)\s*dBFS", summary)
    assert integrated and peak, proc.stderr[-2000:]
    return Measured(
        duration,
        width,
        height,
        fps,
        vcodec,
        acodec,
        float(integrated.group(1)),
        float(peak.group(1)),
    )
