"""Loudness mastered on the delivered MP4: an encode that lands off target (too quiet, too
loud, peaks over the limit) is corrected from the master WAV and metered independently
(ffmpeg's loudnorm analysis in tests/media_assert.py, not the ebur128 code under test)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from aistudio.tools.ffmpeg.engine import FFmpeg
from tests.media_assert import measure


def _make(ffmpeg: str, tmp: Path, master_db: float, encoded_db: float) -> tuple[Path, Path]:
    """A 3 s master WAV (music-like: two tones, a beat of noise) at `master_db` gain, and a
    small MP4 whose AAC track is the same sound at `encoded_db`: an encode that missed."""
    sound = (
        "aevalsrc=0.3*sin(2*PI*220*t)+0.2*sin(2*PI*331*t)"
        "+0.25*random(0)*exp(-18*mod(t\\,0.5)):s=48000:d=3"
    )
    master = tmp / "master.wav"
    subprocess.run(
        [
            *(ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", sound, "-ac", "2"),
            *("-af", f"volume={master_db}dB", "-c:a", "pcm_s16le", str(master)),
        ],
        check=True,
    )
    video = tmp / "video.mp4"
    subprocess.run(
        [
            *(ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=10:d=3"),
            *("-i", str(master), "-af", f"volume={encoded_db - master_db}dB"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "192k"),
            *("-t", "3", str(video)),
        ],
        check=True,
    )
    return video, master


@pytest.mark.parametrize(
    ("master_db", "encoded_db"),
    [(-6.0, -12.0), (-6.0, 0.0), (3.0, 3.0)],
    ids=["quiet-encode", "loud-encode", "peaks-over-the-limit"],
)
async def test_the_encoded_file_lands_on_minus_14_lufs_under_minus_1_dbtp(
    tmp_path: Path, ffmpeg_exe: str, master_db: float, encoded_db: float
) -> None:
    video, master = _make(ffmpeg_exe, tmp_path, master_db, encoded_db)
    before = measure(video, ffmpeg_exe)
    assert abs(before.lufs + 14.0) > 0.5 or before.true_peak > -1.0, before
    tool = FFmpeg(ffmpeg_exe, timeout_s=60)
    stats = await tool.master_output(
        video, master, target_lufs=-14.0, true_peak_db=-1.0, bitrate="192k", duration_s=3.0
    )
    after = measure(video, ffmpeg_exe)
    assert abs(after.lufs + 14.0) <= 0.5, after
    assert after.true_peak <= -1.0, after
    assert abs(stats.integrated_lufs - after.lufs) <= 0.3  # two meters agree
    assert (after.video_codec, after.audio_codec) == ("h264", "aac")
    assert abs(after.duration_s - 3.0) <= 0.1
