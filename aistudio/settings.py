"""Application settings: built once at start-up (CLI, server, worker) and passed down.

Nothing in the package reads the environment except `Settings()` here. Every knob has a
default that works on a fresh clone with no keys and no servers (the embedded default).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MediaLimits(BaseSettings):
    """Caps applied to every uploaded or fetched reference image."""

    max_file_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 40_000_000  # anything larger is treated as a decompression bomb
    max_side_px: int = 12_000
    min_side_px: int = 64
    working_side_px: int = 2048  # normalised copy is downscaled to this long side


class RenderSettings(BaseSettings):
    """Knobs of the local renderer and encoder."""

    fps: int = 30
    x264_preset: str = "veryfast"
    x264_crf: int = 20
    audio_bitrate: str = "192k"
    sample_rate: int = 48_000
    target_lufs: float = -14.0
    true_peak_db: float = -1.0
    ffmpeg_timeout_s: float = 300.0
    motion_headroom: float = 1.18  # keyframes are rendered this much larger than the frame


class QASettings(BaseSettings):
    """Thresholds of the plan and output checks."""

    max_words_per_second: float = 2.6
    voice_tail_s: float = 0.3
    duration_tolerance_s: float = 0.25
    lufs_tolerance: float = 1.0
    min_fidelity_inliers: int = 12
    min_caption_similarity: float = 0.6
    min_sharpness: float = 35.0
    max_black_s: float = 0.5
    max_freeze_s: float = 2.5
    max_silence_s: float = 1.5
    nsfw_threshold: float = 0.7


class Settings(BaseSettings):
    """Top-level settings. Environment prefix `AISTUDIO_`, nested with `__`."""

    model_config = SettingsConfigDict(
        env_prefix="AISTUDIO_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    data_dir: Path = Path(".aistudio")
    ffmpeg_binary: str | None = Field(
        default=None, description="Path to a system ffmpeg; the imageio-ffmpeg build otherwise."
    )
    max_qa_retries: int = 2
    default_duration_s: float = 12.0
    limits: MediaLimits = Field(default_factory=MediaLimits)
    render: RenderSettings = Field(default_factory=RenderSettings)
    qa: QASettings = Field(default_factory=QASettings)

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "storage"

    @property
    def checkpoint_db(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"

    @property
    def work_dir(self) -> Path:
        return self.data_dir / "work"
