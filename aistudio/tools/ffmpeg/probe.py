"""Media facts with PyAV (the imageio-ffmpeg wheel ships no ffprobe)."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import av

from aistudio.errors import InputError
from aistudio.tools.ffmpeg.spec import ProbeResult


def moov_before_mdat(path: Path) -> bool:
    """True when the MP4's index (moov) precedes the media data: playable while streaming."""
    with path.open("rb") as fh:
        offset, size_total = 0, path.stat().st_size
        while offset + 8 <= size_total:
            fh.seek(offset)
            header = fh.read(16)
            size, kind = struct.unpack(">I4s", header[:8])
            if size == 1:
                size = struct.unpack(">Q", header[8:16])[0]
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if size < 8:
                return False
            offset += size
    return False


def probe(path: Path) -> ProbeResult:
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InputError(f"{path.name} has no video stream")
            video = container.streams.video[0]
            audio = container.streams.audio[0] if container.streams.audio else None
            duration = float(container.duration or 0) / av.time_base
            result = ProbeResult(
                duration_s=duration,
                width=video.width,
                height=video.height,
                fps=float(video.average_rate or 0),
                video_codec=video.codec_context.name,
                audio_codec=audio.codec_context.name if audio else None,
                pix_fmt=str(video.codec_context.pix_fmt),
                audio_sample_rate=audio.codec_context.sample_rate if audio else None,
                audio_channels=audio.codec_context.channels if audio else None,
                faststart=moov_before_mdat(path),
                streams=tuple(s.type for s in container.streams),
            )
    except av.FFmpegError as exc:
        raise InputError(f"cannot read media {path.name}: {exc}") from exc
    return result


async def probe_media(path: Path) -> ProbeResult:
    return await asyncio.to_thread(probe, path)
