"""The end card: product, headline and the call to action on the brand backdrop."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw

from aistudio.artifacts import EndCard, Grade
from aistudio.tools.render.backdrop import studio_backdrop
from aistudio.tools.render.captions import wrap
from aistudio.tools.render.fonts import font
from aistudio.tools.render.grading import apply_grade
from aistudio.tools.render.keyframe import keyframe_size


def _luma(rgb: np.ndarray) -> float:
    # cv2.mean: the same mean as numpy's, ~100x faster on a keyframe-sized backdrop
    return float(np.array(cv2.mean(rgb)[:3]) @ np.array([0.299, 0.587, 0.114]))


def render_end_card(
    card: EndCard,
    cutout: Image.Image,
    frame: tuple[int, int],
    grade: Grade,
    headroom: float,
    *,
    photo: bool = False,
) -> Image.Image:
    """`photo`: the subject is the whole photo as a card, which may take more width than a
    cut-out (a landscape photo at the cut-out's width would be a stamp)."""
    kw, kh = keyframe_size(frame, headroom)
    fw, fh = frame
    base = studio_backdrop(kw, kh, card.backdrop, 40.0)
    light_bg = _luma(base) > 140
    ink = (20, 20, 22) if light_bg else (250, 248, 244)
    canvas = Image.fromarray(base).convert("RGBA")
    unit = (fw * fh) ** 0.5  # type scale that works for every aspect
    portrait = fh > fw
    # Product: a third of the frame height, centred in the upper half.
    target_h = round(fh * (0.36 if portrait else 0.42))
    max_w = (0.8 if portrait else 0.42) if photo else 0.5
    scale = min(target_h / cutout.height, max_w * fw / cutout.width)
    product = cutout.resize(
        (max(2, round(cutout.width * scale)), max(2, round(cutout.height * scale))),
        Image.Resampling.LANCZOS,
    )
    if portrait:
        px, py = (kw - product.width) // 2, round(kh / 2 - 0.26 * fh - product.height / 2)
        text_x, text_top, align_w = kw / 2, kh / 2 + 0.06 * fh, 0.8 * fw
    else:
        px, py = round(kw / 2 - 0.22 * fw - product.width / 2), (kh - product.height) // 2
        text_x, text_top, align_w = kw / 2 + 0.18 * fw, kh / 2 - 0.12 * fh, 0.45 * fw
    canvas.alpha_composite(product, (px, py))
    draw = ImageDraw.Draw(canvas)
    head_face = font(round(0.062 * unit), "Black")
    y = text_top
    for line in wrap(card.headline, head_face, align_w)[:2]:
        w = head_face.getlength(line)
        draw.text((text_x - w / 2, y), line, font=head_face, fill=(*ink, 255))
        y += head_face.size * 1.2
    cta_face = font(round(0.036 * unit), "Bold")
    cta_lines = wrap(card.call_to_action, cta_face, align_w * 0.9)[:2]
    pad = cta_face.size * 0.7
    cta_w = max(cta_face.getlength(line) for line in cta_lines) + 2 * pad
    cta_h = cta_face.size * 1.25 * len(cta_lines) + pad
    top = y + 0.03 * fh
    pill = (text_x - cta_w / 2, top, text_x + cta_w / 2, top + cta_h)
    draw.rounded_rectangle(
        pill, radius=round(cta_h / 2) if len(cta_lines) == 1 else 24, fill=(*ink, 255)
    )
    for i, line in enumerate(cta_lines):
        w = cta_face.getlength(line)
        draw.text(
            (text_x - w / 2, top + pad / 2 + i * cta_face.size * 1.25),
            line,
            font=cta_face,
            fill=(255 - ink[0], 255 - ink[1], 255 - ink[2], 255),
        )
    return Image.fromarray(apply_grade(np.asarray(canvas.convert("RGB")), grade))
