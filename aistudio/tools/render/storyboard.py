"""Storyboard contact sheet: every keyframe with its shot notes."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image, ImageDraw

from aistudio.tools.render.captions import wrap
from aistudio.tools.render.fonts import font

THUMB_W = 320
COLUMNS = 4


def render_storyboard(
    keyframes: Sequence[Image.Image], notes: Sequence[str], title: str
) -> Image.Image:
    if not keyframes:
        raise ValueError("a storyboard needs at least one keyframe")
    # A label pan's keyframe is wider than the frame: the cells take the frame's shape.
    aspect = max(k.height / k.width for k in keyframes)
    thumb_h = round(THUMB_W * aspect)
    note_face, title_face = font(18, "Regular"), font(30, "Bold")
    note_h = 4 * 24
    columns = min(COLUMNS, len(keyframes))
    rows = -(-len(keyframes) // columns)
    gap, header = 24, 70
    sheet = Image.new(
        "RGB",
        (gap + columns * (THUMB_W + gap), header + rows * (thumb_h + note_h + gap) + gap),
        (246, 245, 242),
    )
    draw = ImageDraw.Draw(sheet)
    draw.text((gap, 20), title, font=title_face, fill=(20, 20, 20))
    for i, (frame, note) in enumerate(zip(keyframes, notes, strict=True)):
        col, row = i % columns, i // columns
        x = gap + col * (THUMB_W + gap)
        y = header + row * (thumb_h + note_h + gap)
        cell = frame
        if frame.height / frame.width < aspect * 0.98:  # its middle, as the pan passes it
            width = round(frame.height / aspect)
            left = (frame.width - width) // 2
            cell = frame.crop((left, 0, left + width, frame.height))
        sheet.paste(cell.resize((THUMB_W, thumb_h), Image.Resampling.BILINEAR), (x, y))
        draw.rectangle((x - 1, y - 1, x + THUMB_W, y + thumb_h), outline=(200, 200, 200))
        for j, line in enumerate(wrap(note, note_face, THUMB_W)[:4]):
            draw.text((x, y + thumb_h + 6 + j * 24), line, font=note_face, fill=(40, 40, 40))
    return sheet
