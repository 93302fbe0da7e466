"""The FFmpeg tool the Toolbox holds: one object, every FFmpeg operation, async."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from aistudio.tools.ffmpeg import analysis, audio, frames, mastering
from aistudio.tools.ffmpeg.compose import build_compose_argv
from aistudio.tools.ffmpeg.probe import probe_media
from aistudio.tools.ffmpeg.runner import ffmpeg_stdout, run_ffmpeg
from aistudio.tools.ffmpeg.spec import (
    AudioMixSpec,
    ComposeSpec,
    LoudnessStats,
    MediaAnalysis,
    ProbeResult,
)


class FFmpeg:
    def __init__(self, binary: str, timeout_s: float) -> None:
        self.binary = binary
        self.timeout_s = timeout_s
        self._version: str | None = None

    async def version(self) -> str:
        """The banner line, e.g. "ffmpeg version n9.0.2 ..." (recorded in provenance)."""
        if self._version is None:
            banner = await ffmpeg_stdout([self.binary, "-hide_banner", "-version"], timeout_s=30)
            self._version = banner.splitlines()[0].strip() if banner else "ffmpeg (unknown)"
        return self._version

    async def has_encoders(self, *names: str) -> dict[str, bool]:
        """Which of the named encoders this build has (the output needs libx264 and aac)."""
        listing = await ffmpeg_stdout([self.binary, "-hide_banner", "-encoders"], timeout_s=30)
        present = {
            line.split()[1]
            for line in listing.splitlines()
            if len(line.split()) > 1 and line.startswith(" ")
        }
        return {name: name in present for name in names}

    async def compose(
        self, spec: ComposeSpec, on_progress: Callable[[float], None] | None = None
    ) -> None:
        await run_ffmpeg(
            build_compose_argv(spec, self.binary),
            timeout_s=self.timeout_s,
            duration_s=spec.duration_s,
            on_progress=on_progress,
        )

    async def mix_audio(self, spec: AudioMixSpec) -> LoudnessStats:
        return await audio.mix_audio(spec, self.binary, self.timeout_s)

    async def master_output(
        self,
        video: Path,
        master: Path,
        *,
        target_lufs: float,
        true_peak_db: float,
        bitrate: str,
        duration_s: float,
    ) -> LoudnessStats:
        """Measure the encoded file's loudness and correct it in place (mastering.py)."""
        return await mastering.master_output(
            video,
            master,
            self.binary,
            self.timeout_s,
            target_lufs=target_lufs,
            true_peak_db=true_peak_db,
            bitrate=bitrate,
            duration_s=duration_s,
        )

    async def probe(self, path: Path) -> ProbeResult:
        return await probe_media(path)

    async def analyze(self, path: Path) -> MediaAnalysis:
        info = await probe_media(path)
        return await analysis.analyze(
            path,
            self.binary,
            self.timeout_s,
            duration_s=info.duration_s,
            has_audio=info.audio_codec is not None,
        )

    async def extract_frames(
        self, path: Path, times_s: Sequence[float], width: int | None = None
    ) -> list[np.ndarray]:
        return await frames.extract_frames(path, times_s, self.binary, self.timeout_s, width=width)

    async def extract_poster(self, path: Path, t_s: float, out: Path) -> None:
        await frames.extract_poster(path, t_s, out, self.binary, self.timeout_s)
