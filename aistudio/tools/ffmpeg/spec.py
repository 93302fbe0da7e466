"""Plain, immutable descriptions of what FFmpeg must make. The builders turn them into argv.

These are the contract between the nodes (which decide what goes in) and the FFmpeg layer
(which decides how): no I/O here, and nothing here knows about storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from aistudio.artifacts import CameraMove, TransitionKind

# "settle": the end card's slow rise into place, a crop move (no per-frame scaling) so the
# last seconds cost no more than a pan.
StillMove = CameraMove | Literal["settle"]


@dataclass(frozen=True)
class StillShot:
    """A keyframe to animate. The image is `headroom` times larger than the output frame
    (same aspect), so every camera move stays inside real pixels."""

    path: Path
    duration_s: float
    move: StillMove
    headroom: float = 1.18
    seed: int = 0  # varies hand-held jitter and pan direction details


@dataclass(frozen=True)
class ClipShot:
    """A finished clip (e.g. from a hosted video model): scaled/cropped to fill the frame."""

    path: Path
    duration_s: float


@dataclass(frozen=True)
class OverlayImage:
    """An RGBA PNG (caption, logo) drawn at (x, y) between start_s and end_s, with fades."""

    path: Path
    x: int
    y: int
    start_s: float
    end_s: float
    fade_s: float = 0.2
    x_end: int | None = None  # set: the image glides from x to x_end over its window


@dataclass(frozen=True)
class TransitionSpec:
    kind: TransitionKind
    duration_s: float


@dataclass(frozen=True)
class ComposeSpec:
    """One output video: shots joined by transitions, overlays on top, one audio track."""

    width: int
    height: int
    fps: int
    shots: tuple[StillShot | ClipShot, ...]  # the end card is the last StillShot
    transitions: tuple[TransitionSpec, ...]  # exactly len(shots) - 1
    overlays: tuple[OverlayImage, ...]
    audio: Path | None
    duration_s: float  # final duration: sum(shots) - sum(transitions)
    output: Path
    x264_preset: str = "veryfast"
    crf: int = 20
    audio_bitrate: str = "192k"
    grade_filter: str = ""  # optional extra ffmpeg video filter (e.g. "vignette=PI/5")
    # A JPEG of the frame at poster_s, written by the same pass (no second decode).
    poster: Path | None = None
    poster_s: float = 0.0


@dataclass(frozen=True)
class VoicePlacement:
    path: Path  # mono WAV from the voice tool
    start_s: float
    tempo: float = 1.0  # atempo factor (>1 speeds up) when a line must fit a slot


@dataclass(frozen=True)
class AudioMixSpec:
    """Music bed + placed voice lines -> one loudness-normalised stereo WAV."""

    duration_s: float
    output: Path
    music: Path | None = None
    voices: tuple[VoicePlacement, ...] = ()
    duck_db: float = -10.0  # music gain under the voice
    target_lufs: float = -14.0
    true_peak_db: float = -1.0
    sample_rate: int = 48_000
    fade_in_s: float = 0.3
    fade_out_s: float = 0.6
    music_gain_db: float = 0.0


@dataclass(frozen=True)
class LoudnessStats:
    integrated_lufs: float
    true_peak_db: float
    lra: float = 0.0


@dataclass(frozen=True)
class Interval:
    start_s: float
    end_s: float

    @property
    def length_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class MediaAnalysis:
    """What one analysis pass over a finished video found."""

    black: tuple[Interval, ...] = ()
    frozen: tuple[Interval, ...] = ()
    silent: tuple[Interval, ...] = ()
    loudness: LoudnessStats | None = None


@dataclass(frozen=True)
class ProbeResult:
    duration_s: float
    width: int
    height: int
    fps: float
    video_codec: str
    audio_codec: str | None
    pix_fmt: str
    audio_sample_rate: int | None = None
    audio_channels: int | None = None
    faststart: bool = False  # moov atom before mdat
    streams: tuple[str, ...] = field(default_factory=tuple)
