"""Keyframes: the product cut-out on a studio set, with shadow, reflection and a grade.

A keyframe is `headroom` times the output frame (same aspect) so the FFmpeg camera moves
(push-in, pans, hand-held drift) always have real pixels to move over. The product is
kept inside the region every move keeps in view.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageFilter

from aistudio.artifacts import Grade, ShotRender
from aistudio.tools.render.backdrop import studio_backdrop
from aistudio.tools.render.grading import apply_grade

# Fraction of the keyframe (per axis) every camera move keeps in view (see compose.py:
# pans at zoom 1.12 keep the middle 2/1.12-1 ≈ 78 %; push-ins keep ~82 %).
SAFE_FRACTION = 0.74
# Product centre sits a little above the frame centre: captions live in the lower third.
PRODUCT_CENTRE_Y = 0.43
PAN_MOVES = frozenset({"pan_left", "pan_right"})
MAX_UPSCALE = 2.4  # keyframe pixels per photo pixel a detail may ask for (stays sharp)
MEDIUM_SCALE = 0.55  # the house medium shot's product height, of the frame's
MACRO_SPAN = 0.62  # a macro's detail window fills this much of the frame's height
TRAVEL_SPAN = 1.15  # a label line spans this many frame widths (the pan reveals it)


def keyframe_size(frame: tuple[int, int], headroom: float) -> tuple[int, int]:
    w, h = frame
    return 2 * round(w * headroom / 2), 2 * round(h * headroom / 2)


def shot_keyframe_size(
    frame: tuple[int, int], headroom: float, shot: ShotRender
) -> tuple[int, int]:
    """A pan's keyframe is `travel` times wider, so the pan travels further (the crop
    moves over it); zooms scale the whole keyframe and must keep the frame's shape."""
    kw, kh = keyframe_size(frame, headroom)
    if shot.travel > 1.0 and shot.camera_move in PAN_MOVES:
        kw = 2 * round(kw * shot.travel / 2)
    return kw, kh


def sharp_limit(cutout_h: int, frame: tuple[int, int]) -> float:
    """The most keyframe pixels per cut-out pixel a close shot may use: MAX_UPSCALE, or
    what the medium shot already uses on a small photo. A close-up is then never softer
    than the film's medium shot (an icon-sized photo stays as sharp as it was)."""
    return max(MAX_UPSCALE, 1.15 * MEDIUM_SCALE * frame[1] / max(cutout_h, 1))


def fit_product(
    cutout_size: tuple[int, int],
    frame: tuple[int, int],
    headroom: float,
    product_scale: float,
    close: bool = False,
) -> tuple[int, int]:
    """Pixel size of the product in the keyframe: `product_scale` of the frame height,
    clamped so it fits the safe region with a margin (and, `close`, stays sharp)."""
    cw, ch = cutout_size
    fh = frame[1]
    kw, kh = keyframe_size(frame, headroom)
    target_h = product_scale * fh
    max_w, max_h = SAFE_FRACTION * kw * 0.92, SAFE_FRACTION * kh * 0.8
    scale = min(target_h / ch, max_w / cw, max_h / ch)
    if close:
        scale = min(scale, max(sharp_limit(ch, frame), MEDIUM_SCALE * fh / ch))
    return max(2, round(cw * scale)), max(2, round(ch * scale))


def _shadow(
    alpha: Image.Image,
    size: tuple[int, int],
    pos: tuple[int, int],
    light_angle_deg: float,
    strength: float,
) -> Image.Image:
    """A soft drop shadow + contact shadow as an 'L' mask for the whole keyframe.

    Blurred at a quarter resolution: a full-size Gaussian blur would cost ~10x more.
    """
    kw, kh = size
    small = (max(1, kw // 4), max(1, kh // 4))
    mask = Image.new("L", small, 0)
    pw, ph = alpha.size
    shrunk = alpha.resize((max(1, pw // 4), max(1, ph // 4)), Image.Resampling.BILINEAR)
    angle = math.radians(light_angle_deg)
    dx = round(-math.cos(angle) * pw * 0.06 / 4)
    dy = round(ph * 0.03 / 4)
    mask.paste(
        shrunk.point(lambda v: int(v * 0.55 * strength)),
        (pos[0] // 4 + dx, pos[1] // 4 + dy),
        shrunk,
    )
    # Contact shadow: a flat ellipse where the product meets the floor.
    contact = Image.new("L", (max(2, pw // 4), max(2, ph // 24)), 0)
    cw, ch = contact.size
    yy, xx = np.mgrid[0:ch, 0:cw]
    ellipse = 1 - (((xx - cw / 2) / (cw / 2)) ** 2 + ((yy - ch / 2) / (ch / 2)) ** 2)
    contact = Image.fromarray((np.clip(ellipse, 0, 1) * 200 * strength).astype(np.uint8))
    bottom = pos[1] // 4 + ph // 4
    mask.paste(contact, (pos[0] // 4, bottom - ch // 2), contact)
    mask = mask.filter(ImageFilter.GaussianBlur(radius=max(2, pw // 60)))
    return mask.resize(size, Image.Resampling.BILINEAR)


def focus_scale(
    focus: tuple[int, int, int, int], frame: tuple[int, int], travel: bool, limit: float
) -> float:
    """Keyframe pixels per cut-out pixel for a shot framing `focus`: a label line spans
    more than the frame's width (the pan travels along it), a detail most of its height;
    never more than `limit` (sharp_limit), so the picture stays sharp."""
    _, _, w, h = focus
    fw, fh = frame
    if travel:
        wanted = TRAVEL_SPAN * fw / max(w, 1)
    else:
        wanted = min(MACRO_SPAN * fh / max(h, 1), 0.9 * fw / max(w, 1))
    return min(wanted, limit)


def _focused_keyframe(
    cutout: Image.Image,
    shot: ShotRender,
    focus: tuple[int, int, int, int],
    frame: tuple[int, int],
    size: tuple[int, int],
    grade: Grade,
) -> Image.Image:
    """A macro or a label detail: the product larger than the frame, the focus region
    (cut-out pixels) in the middle; only the visible part of the cut-out is resized."""
    kw, kh = size
    travel = size[0] > keyframe_size(frame, 1.0)[0] * 1.3
    scale = focus_scale(focus, frame, travel, sharp_limit(cutout.height, frame))
    fx, fy = focus[0] + focus[2] / 2, focus[1] + focus[3] / 2
    centre_y = kh * (0.5 if travel else PRODUCT_CENTRE_Y + 0.04)
    left, top = kw / 2 - fx * scale, centre_y - fy * scale  # cut-out origin, keyframe px
    x0, y0 = max(0.0, -left / scale), max(0.0, -top / scale)
    x1 = min(float(cutout.width), (kw - left) / scale)
    y1 = min(float(cutout.height), (kh - top) / scale)
    canvas = Image.fromarray(
        studio_backdrop(
            kw, kh, shot.backdrop, shot.light_angle_deg, None, shot.backdrop_style, shot.seed
        )
    )
    if x1 > x0 + 1 and y1 > y0 + 1:
        part = cutout.crop((math.floor(x0), math.floor(y0), math.ceil(x1), math.ceil(y1)))
        pw, ph = max(1, round(part.width * scale)), max(1, round(part.height * scale))
        part = part.resize((pw, ph), Image.Resampling.BICUBIC)
        at = (round(left + math.floor(x0) * scale), round(top + math.floor(y0) * scale))
        canvas.paste(part, at, part)
    return Image.fromarray(apply_grade(np.asarray(canvas), grade))


def compose_keyframe(
    cutout: Image.Image,
    shot: ShotRender,
    frame: tuple[int, int],
    grade: Grade,
    headroom: float,
    focus: tuple[int, int, int, int] | None = None,
) -> Image.Image:
    """RGB keyframe of size shot_keyframe_size(frame, headroom, shot). `focus`: the
    region (cut-out pixels) a macro or label shot frames; None: the whole product."""
    size = shot_keyframe_size(frame, headroom, shot)
    if focus is not None:
        return _focused_keyframe(cutout, shot, focus, frame, size, grade)
    kw, kh = size
    fw, fh = frame
    close = shot.framing in ("close", "macro")
    pw, ph = fit_product(cutout.size, frame, headroom, shot.product_scale, close)
    product = cutout.resize((pw, ph), Image.Resampling.LANCZOS)
    cx = kw / 2 + shot.product_offset[0] * fw
    cy = kh / 2 + (PRODUCT_CENTRE_Y - 0.5) * fh + shot.product_offset[1] * fh
    x = round(
        min(max(cx - pw / 2, kw * (1 - SAFE_FRACTION) / 2), kw * (1 + SAFE_FRACTION) / 2 - pw)
    )
    y = round(
        min(max(cy - ph / 2, kh * (1 - SAFE_FRACTION) / 2), kh * (1 + SAFE_FRACTION) / 2 - ph)
    )
    floor_y = (y + ph * 0.97) / kh
    canvas = Image.fromarray(
        studio_backdrop(
            kw, kh, shot.backdrop, shot.light_angle_deg, floor_y, shot.backdrop_style, shot.seed
        )
    )
    alpha = product.getchannel("A")
    dark = Image.new("RGB", (kw, kh), (0, 0, 0))
    canvas = Image.composite(
        dark, canvas, _shadow(alpha, (kw, kh), (x, y), shot.light_angle_deg, 0.9)
    )
    if grade != "natural":  # studio sets get a faint floor reflection; UGC tables don't
        reflection = product.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        fade = np.linspace(0.22, 0.0, ph, dtype=np.float32)[:, None]
        r_alpha = np.asarray(reflection.getchannel("A"), dtype=np.float32) * fade
        reflection.putalpha(Image.fromarray(r_alpha.astype(np.uint8)))
        canvas.paste(reflection, (x, y + ph - 2), reflection)
    canvas.paste(product, (x, y), product)
    return Image.fromarray(apply_grade(np.asarray(canvas), grade))
