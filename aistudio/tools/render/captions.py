"""Burned-in caption overlays (RGBA PNGs) and subtitle files (SRT, WebVTT)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from aistudio.artifacts import Caption, Grade
from aistudio.tools.render.fonts import font

MAX_LINES = 2
# Vertical centre of the caption by frame shape: above the bottom ~12 % that phone UIs
# cover on 9:16, a little lower on landscape where nothing overlaps.
_CENTRE_Y = {"portrait": 0.78, "square": 0.82, "landscape": 0.84}
_ACCENT: dict[Grade, tuple[int, int, int]] = {
    "luxurious": (214, 178, 94),
    "stylish": (120, 200, 220),
    "natural": (240, 220, 190),
    "bold": (255, 90, 60),
    "fresh": (120, 220, 170),
}


@dataclass(frozen=True)
class CaptionImage:
    png: bytes
    x: int
    y: int
    width: int
    height: int


def caption_font_px(frame_w: int, frame_h: int, scale: float) -> int:
    # Proportional to the frame's geometric size: ~72 px on 1080x1920 and 1920x1080.
    return round(0.05 * math.sqrt(frame_w * frame_h) * scale)


def wrap(text: str, face: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if face.getlength(candidate) <= max_width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def render_caption(
    text: str, frame_w: int, frame_h: int, *, scale: float = 1.0, style: Grade = "luxurious"
) -> CaptionImage:
    size = caption_font_px(frame_w, frame_h, scale)
    max_width = 0.84 * frame_w
    face = font(size, "Bold")
    lines = wrap(text, face, max_width - size)
    while len(lines) > MAX_LINES and size > 20:  # shrink rather than spill past two lines
        size = round(size * 0.9)
        face = font(size, "Bold")
        lines = wrap(text, face, max_width - size)
    line_h = round(size * 1.25)
    pad_x, pad_y = round(size * 0.6), round(size * 0.4)
    text_w = max(face.getlength(line) for line in lines)
    width = round(min(max_width, text_w) + 2 * pad_x)
    height = line_h * len(lines) + 2 * pad_y
    margin = round(size * 0.3)
    image = Image.new("RGBA", (width + 2 * margin, height + 2 * margin), (0, 0, 0, 0))
    shadow = Image.new("L", image.size, 0)
    ImageDraw.Draw(shadow).rounded_rectangle(
        (margin, margin + 4, margin + width, margin + height + 4), radius=size // 2, fill=110
    )
    image.putalpha(shadow.filter(ImageFilter.GaussianBlur(margin / 2)))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (margin, margin, margin + width, margin + height), radius=size // 2, fill=(14, 14, 16, 178)
    )
    accent = _ACCENT[style]
    draw.rounded_rectangle(
        (
            margin + pad_x // 2,
            margin + height - max(3, size // 14) - 6,
            margin + width - pad_x // 2,
            margin + height - 6,
        ),
        radius=2,
        fill=(*accent, 220),
    )
    for i, line in enumerate(lines):
        lw = face.getlength(line)
        draw.text(
            (margin + (width - lw) / 2, margin + pad_y + i * line_h),
            line,
            font=face,
            fill=(255, 255, 255, 255),
        )
    x, y = caption_position(frame_w, frame_h, image.width, image.height)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return CaptionImage(buffer.getvalue(), x, y, image.width, image.height)


def caption_position(frame_w: int, frame_h: int, width: int, height: int) -> tuple[int, int]:
    """Top-left corner of a `width` x `height` caption image on the frame."""
    shape = (
        "portrait"
        if frame_h > frame_w * 1.2
        else ("landscape" if frame_w > frame_h * 1.2 else "square")
    )
    x = (frame_w - width) // 2
    y = round(_CENTRE_Y[shape] * frame_h - height / 2)
    return x, min(y, frame_h - height - round(0.04 * frame_h))


def _stamp(seconds: float, sep: str) -> str:
    millis = round(seconds * 1000)
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_srt(captions: Sequence[Caption]) -> str:
    blocks = [
        f"{i}\n{_stamp(c.start_s, ',')} --> {_stamp(c.end_s, ',')}\n{c.text}\n"
        for i, c in enumerate(captions, 1)
    ]
    return "\n".join(blocks)


def to_vtt(captions: Sequence[Caption]) -> str:
    blocks = [f"{_stamp(c.start_s, '.')} --> {_stamp(c.end_s, '.')}\n{c.text}\n" for c in captions]
    return "WEBVTT\n\n" + "\n".join(blocks)
