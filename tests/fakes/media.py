"""What a fake image-to-video model returns: a real MP4 animated from the uploaded frame.

A slow pan across the first frame (so the product in it survives, as a good model's would),
H.264 at the frame's own size, as long as the request asked.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from pathlib import Path

import imageio_ffmpeg
from PIL import Image


def requested_seconds(value: object, default: float = 4.0) -> float:
    """5 | "5" | "5s" -> 5.0."""
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.rstrip("s").isdigit():
        return float(value.rstrip("s"))
    return default


async def clip_from_frame(frame: bytes, seconds: float) -> bytes:
    with tempfile.TemporaryDirectory(prefix="fake-model-") as tmp:
        src, out = Path(tmp) / "frame.jpg", Path(tmp) / "clip.mp4"
        src.write_bytes(frame)
        graph = (
            "scale=trunc(iw*1.08/2)*2:-2,"
            f"crop=trunc(iw/1.08/2)*2:trunc(ih/1.08/2)*2:x='(iw-ow)*t/{seconds}':"
            "y='(ih-oh)/2',format=yuv420p"
        )
        proc = await asyncio.create_subprocess_exec(
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-loop",
            "1",
            "-framerate",
            "24",
            "-t",
            str(seconds),
            "-i",
            str(src),
            "-vf",
            graph,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "18",
            "-movflags",
            "+faststart",
            str(out),
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, err = await proc.communicate()
        except asyncio.CancelledError:  # the fake is shutting down: leave no ffmpeg behind
            proc.kill()
            await proc.wait()
            raise
        if proc.returncode != 0:
            raise RuntimeError(f"fake model could not encode: {err.decode()[-500:]}")
        return out.read_bytes()


def grey_frame_like(frame: bytes) -> bytes:
    """A plain grey JPEG of the frame's size: the product is gone."""
    with Image.open(io.BytesIO(frame)) as image:
        size = image.size
    buffer = io.BytesIO()
    Image.new("RGB", size, (128, 128, 128)).save(buffer, format="JPEG")
    return buffer.getvalue()
