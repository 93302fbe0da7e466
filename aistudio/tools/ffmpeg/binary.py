"""Which ffmpeg to run: a configured system binary, else the imageio-ffmpeg static build."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import imageio_ffmpeg

from aistudio.errors import ToolUnavailable


def locate_ffmpeg(configured: str | None) -> str:
    if configured:
        found = shutil.which(configured) or configured
        if not (Path(found).is_file() and os.access(found, os.X_OK)):
            raise ToolUnavailable(f"configured ffmpeg {configured!r} is not an executable file")
        return found
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as exc:  # imageio-ffmpeg raises RuntimeError when no binary exists
        raise ToolUnavailable(f"no ffmpeg binary: {exc}") from exc
