"""One analysis pass over a finished video: black, frozen and silent spans + loudness."""

from __future__ import annotations

import re
from pathlib import Path

from aistudio.tools.ffmpeg.runner import run_ffmpeg
from aistudio.tools.ffmpeg.spec import Interval, LoudnessStats, MediaAnalysis

_BLACK = re.compile(r"black_start:\s*([\d.]+)\s+black_end:\s*([\d.]+)")
_FREEZE_START = re.compile(r"freeze_start:\s*([\d.]+)")
_FREEZE_END = re.compile(r"freeze_end:\s*([\d.]+)")
_SILENCE_START = re.compile(r"silence_start:\s*(-?[\d.]+)")
_SILENCE_END = re.compile(r"silence_end:\s*([\d.]+)")
_SUMMARY_I = re.compile(r"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf)\s*LUFS")
_SUMMARY_LRA = re.compile(r"Loudness range:\s*\n\s*LRA:\s*([\d.]+)\s*LU")
_SUMMARY_TP = re.compile(r"True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf)\s*dBFS")


def build_analysis_argv(
    path: Path,
    ffmpeg: str,
    *,
    black_min_s: float,
    freeze_min_s: float,
    silence_db: float,
    silence_min_s: float,
    has_audio: bool,
) -> list[str]:
    # Detection runs on a small copy of the picture: black and freeze don't need pixels.
    video = (
        f"[0:v]scale=270:-2,blackdetect=d={black_min_s}:pix_th=0.10,"
        f"freezedetect=n=-60dB:d={freeze_min_s}[vo]"
    )
    graph = video
    maps = ["-map", "[vo]"]
    if has_audio:
        graph += (
            f";[0:a]silencedetect=n={silence_db}dB:d={silence_min_s},"
            f"ebur128=peak=true:framelog=quiet[ao]"
        )
        maps += ["-map", "[ao]"]
    return [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-v",
        "info",
        "-i",
        str(path),
        "-filter_complex",
        graph,
        *maps,
        "-f",
        "null",
        "-",
    ]


def _pairs(starts: list[float], ends: list[float], duration_s: float) -> tuple[Interval, ...]:
    # A span still open at the end of the file has no end line: close it at the duration.
    spans = []
    for i, start in enumerate(starts):
        end = ends[i] if i < len(ends) else duration_s
        spans.append(Interval(max(0.0, start), end))
    return tuple(spans)


def _db(text: str) -> float:
    return float("-inf") if text == "-inf" else float(text)


def parse_analysis(stderr: str, duration_s: float) -> MediaAnalysis:
    black = tuple(Interval(float(a), float(b)) for a, b in _BLACK.findall(stderr))
    frozen = _pairs(
        [float(x) for x in _FREEZE_START.findall(stderr)],
        [float(x) for x in _FREEZE_END.findall(stderr)],
        duration_s,
    )
    silent = _pairs(
        [float(x) for x in _SILENCE_START.findall(stderr)],
        [float(x) for x in _SILENCE_END.findall(stderr)],
        duration_s,
    )
    loudness = None
    integrated, peak = _SUMMARY_I.search(stderr), _SUMMARY_TP.search(stderr)
    if integrated and peak:
        lra = _SUMMARY_LRA.search(stderr)
        loudness = LoudnessStats(
            _db(integrated.group(1)), _db(peak.group(1)), float(lra.group(1)) if lra else 0.0
        )
    return MediaAnalysis(black=black, frozen=frozen, silent=silent, loudness=loudness)


async def analyze(
    path: Path,
    ffmpeg: str,
    timeout_s: float,
    *,
    duration_s: float,
    has_audio: bool = True,
    black_min_s: float = 0.3,
    freeze_min_s: float = 1.0,
    silence_db: float = -50.0,
    silence_min_s: float = 1.0,
) -> MediaAnalysis:
    stderr = await run_ffmpeg(
        build_analysis_argv(
            path,
            ffmpeg,
            black_min_s=black_min_s,
            freeze_min_s=freeze_min_s,
            silence_db=silence_db,
            silence_min_s=silence_min_s,
            has_audio=has_audio,
        ),
        timeout_s=timeout_s,
    )
    return parse_analysis(stderr, duration_s)
