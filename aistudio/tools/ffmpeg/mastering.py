"""Loudness mastered on the delivered file: measure the encoded MP4, correct its audio.

The soundtrack is normalised as a WAV (audio.py), but the AAC encode moves integrated
loudness by a few tenths of a LU and true peak by more, so a master that measured −14.0
can deliver −13.4. Here the finished MP4 is measured with ebur128 (what output QA and a
platform meter see); when it is off by more than `MASTER_TOLERANCE_LU`, or its true peak is
over the limit, the audio is encoded again from the *master WAV* (one AAC generation, never
an encode of an encode) with the corrective gain, the picture stream copied untouched. The
correction is measured again: AAC's shift depends a little on the level, so a second
round may be needed, never more than `MAX_ROUNDS`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from aistudio.tools.ffmpeg.audio import measure_ebur128
from aistudio.tools.ffmpeg.runner import run_ffmpeg
from aistudio.tools.ffmpeg.spec import LoudnessStats

# Aim well inside QA's ±0.5 LU: another meter (pyloudnorm, a platform's) may read a tenth
# or two differently on the same file.
MASTER_TOLERANCE_LU = 0.15
# AAC overshoots true peak after the fact: a corrected file keeps this much below the limit.
PEAK_MARGIN_DB = 0.3
MAX_ROUNDS = 3


@dataclass(frozen=True)
class Correction:
    """What one mastering round does to the master WAV's level."""

    gain_db: float  # total gain applied to the master WAV (accumulated over rounds)
    limit: bool  # a peak limiter after the gain (the gain alone would clip)


def needs_correction(measured: LoudnessStats, target_lufs: float, true_peak_db: float) -> bool:
    off = abs(measured.integrated_lufs - target_lufs)
    return off > MASTER_TOLERANCE_LU or measured.true_peak_db > true_peak_db


def next_correction(
    previous: Correction, measured: LoudnessStats, target_lufs: float, true_peak_db: float
) -> Correction:
    """The next round's gain: R128 loudness moves one-for-one with gain, so the miss is
    added to what was applied; a limiter joins when the peaks would pass the limit."""
    step = target_lufs - measured.integrated_lufs
    peak_after = measured.true_peak_db + step
    limit = previous.limit or peak_after > true_peak_db - PEAK_MARGIN_DB
    return Correction(round(previous.gain_db + step, 3), limit)


def correction_filter(correction: Correction, true_peak_db: float) -> str:
    gain = f"volume={correction.gain_db:.3f}dB"
    if not correction.limit:
        return gain
    # alimiter works on sample peaks; the extra margin covers the inter-sample overshoot.
    ceiling = 10 ** ((true_peak_db - PEAK_MARGIN_DB - 0.5) / 20)
    return f"{gain},alimiter=limit={ceiling:.4f}:attack=1:release=60:level=0"


def build_remaster_argv(
    ffmpeg: str,
    video: Path,
    master: Path,
    output: Path,
    correction: Correction,
    true_peak_db: float,
    bitrate: str,
    duration_s: float,
) -> list[str]:
    return [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-y",
        "-v",
        "error",
        "-i",
        str(video),
        "-i",
        str(master),
        "-map",
        "0:v:0",
        "-map",
        "1:a:0",
        "-c:v",
        "copy",
        "-af",
        correction_filter(correction, true_peak_db),
        "-c:a",
        "aac",
        "-b:a",
        bitrate,
        "-ar",
        "48000",
        "-ac",
        "2",
        "-t",
        f"{duration_s:.6f}",
        "-movflags",
        "+faststart",
        str(output),
    ]


async def measure_loudness(path: Path, ffmpeg: str, timeout_s: float) -> LoudnessStats:
    """Integrated loudness and true peak of a file's audio (ebur128, audio only)."""
    return (await measure_ebur128(path, ffmpeg, timeout_s))[0]


async def master_output(
    video: Path,
    master: Path,
    ffmpeg: str,
    timeout_s: float,
    *,
    target_lufs: float,
    true_peak_db: float,
    bitrate: str,
    duration_s: float,
) -> LoudnessStats:
    """Bring `video`'s audio to `target_lufs` / `true_peak_db` as measured on the file
    itself (module docstring); `video` is replaced in place. Returns the final figures."""
    measured = await measure_loudness(video, ffmpeg, timeout_s)
    correction = Correction(0.0, limit=False)
    silent = measured.integrated_lufs < -69.0  # digital silence has no loudness to correct
    for _ in range(MAX_ROUNDS):
        if silent or not needs_correction(measured, target_lufs, true_peak_db):
            break
        correction = next_correction(correction, measured, target_lufs, true_peak_db)
        corrected = video.with_name(video.stem + ".master.mp4")
        await run_ffmpeg(
            build_remaster_argv(
                ffmpeg,
                video,
                master,
                corrected,
                correction,
                true_peak_db,
                bitrate,
                duration_s,
            ),
            timeout_s=timeout_s,
        )
        await asyncio.to_thread(corrected.replace, video)
        measured = await measure_loudness(video, ffmpeg, timeout_s)
    return measured
