"""Full-photo keyframes: the whole photo, never cut out, for photos a cut-out would tear.

Two looks, chosen by the kind of film (see layouts.py):

* "card" (promo, fashion): the photo framed as a card with rounded corners and a soft
  shadow, over a blurred, extended copy of itself that fills whatever the card leaves of
  the frame. When the photo already has the frame's shape, it fills the frame edge to edge
  instead. Close and macro shots show a tighter part of the photo around the product's
  detail (`focus_placement`, chosen in layouts.py); with people in the photo the crop
  keeps every person's head and shoulders (photo_facts' keep boxes), never cutting
  through one. The camera moves then run over the keyframe: Ken Burns on the photo.
* "phone" (UGC): what a phone would film: the photo edge to edge, cropped to the frame's
  shape around the product and moved hand-held; a photo whose product would not survive
  that crop is shown whole across the frame over its blurred extension, with no card.

`place_photo` is the pure geometry (unit-tested); `draw_photo_keyframe` draws it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from aistudio.artifacts import Framing

PhotoStyle = Literal["card", "phone"]
Box = tuple[int, int, int, int]  # x, y, w, h

# The share of the keyframe every camera move keeps in view (keyframe.py explains it).
SAFE_FRACTION = 0.74
CARD_SCALE: dict[Framing, float] = {"wide": 0.86, "medium": 1.0, "close": 1.0, "macro": 1.0}
CARD_ZOOM: dict[Framing, float] = {"wide": 1.0, "medium": 1.0, "close": 1.45, "macro": 1.9}
PHONE_ZOOM: dict[Framing, float] = {"wide": 1.0, "medium": 1.1, "close": 1.3, "macro": 1.5}
PHONE_IN_VIEW = 0.8  # hand-held drift keeps the middle 80 % of the keyframe in view
# A phone crop edge to edge may enlarge the photo this much (keyframe px per photo px):
# a 451x300 photo cut to 9:16 was 169 px wide, enlarged 7.7x, and failed sharpness
# (Laplacian variance 9-16 against 35); a 452x650 one's details enlarged ~5x pass.
PHONE_MAX_UPSCALE = 6.0
# Past that, the whole photo across the frame, smaller for a wide shot and larger for
# closer framings, up to PHONE_FALLBACK_UPSCALE: whole photos blur less than crops do.
PHONE_GROW: dict[Framing, float] = {"wide": 0.85, "medium": 1.0, "close": 1.15, "macro": 1.3}
PHONE_FALLBACK_UPSCALE = 5.5
MAX_UPSCALE = 2.0  # keyframe pixels per photo pixel a crop may ask for
DETAIL_ZOOM = 1.4  # a small photo's detail: at most this much closer than the whole photo
SAME_SHAPE = 1.15  # photo and frame aspect ratios this close: fill the frame edge to edge
FOCUS_MARGIN = 0.08  # of the product box, kept around it in any crop
CORNER = 0.025  # card corner radius, of the keyframe's short side
FILL_DARKEN = 0.72  # the blurred fill sits back so the card reads in front of it
STRONG_EDGE = 40.0  # Sobel magnitude of an edge that counts as the photo's detail


@dataclass(frozen=True)
class PhotoPlacement:
    crop: Box  # the part of the photo shown, photo pixels
    rect: Box  # where it is drawn, keyframe pixels
    fill: bool  # a blurred, extended copy of the photo behind (rect leaves the frame open)
    card: bool  # rounded corners and a soft shadow


def _grow(box: Box, margin: float) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return x - margin * w, y - margin * h, x + w + margin * w, y + h + margin * h


def _contains(crop: Box, box: Box, margin: float) -> bool:
    x0, y0, x1, y1 = _grow(box, margin)
    cx, cy, cw, ch = crop
    return cx <= x0 + 1 and cy <= y0 + 1 and cx + cw >= x1 - 1 and cy + ch >= y1 - 1


def contains(crop: Box, box: Box) -> bool:
    """`box` lies wholly inside `crop` (photo pixels)."""
    return _contains(crop, box, 0.0)


def _in_view(crop: Box, box: Box) -> bool:
    """`box` lies in the middle of `crop` that a hand-held camera keeps in view."""
    x, y, w, h = crop
    dx, dy = w * (1 - PHONE_IN_VIEW) / 2, h * (1 - PHONE_IN_VIEW) / 2
    inner = (round(x + dx), round(y + dy), round(w - 2 * dx), round(h - 2 * dy))
    return _contains(inner, box, 0.0)


def union(a: Box, b: Box) -> Box:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return x0, y0, x1 - x0, y1 - y0


def content_box(photo: Image.Image) -> Box:
    """Where the photo's detail is: the box of its strong edges (1st-99th percentile).

    A refused cut-out's box may hold only part of the product (GrabCut keeps a light
    bulb's base and loses its clear glass); the edges show where the rest of it is."""
    thumb = photo.convert("L")
    thumb.thumbnail((256, 256), Image.Resampling.BOX)
    grey = np.asarray(thumb, dtype=np.float32)
    magnitude = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    ys, xs = np.nonzero(magnitude > STRONG_EDGE)
    if xs.size < 0.005 * grey.size:
        return _whole(photo.size)
    scale = photo.width / thumb.width
    x0, x1 = (float(v) * scale for v in np.percentile(xs, (1, 99)))
    y0, y1 = (float(v) * scale for v in np.percentile(ys, (1, 99)))
    return round(x0), round(y0), max(1, round(x1 - x0)), max(1, round(y1 - y0))


def _crop(photo: tuple[int, int], aspect: float, zoom: float, focus: Box) -> Box:
    """The largest `aspect` window inside the photo, shrunk by `zoom`, centred on the
    product as far as the photo's edges allow."""
    pw, ph = photo
    w = min(pw, ph * aspect) / zoom
    h = w / aspect
    fx, fy = focus[0] + focus[2] / 2, focus[1] + focus[3] / 2
    x = min(max(fx - w / 2, 0.0), pw - w)
    y = min(max(fy - h / 2, 0.0), ph - h)
    return round(x), round(y), max(1, round(w)), max(1, round(h))


def _zoomed_crop(
    photo: tuple[int, int], aspect: float, zoom: float, focus: Box, target_w: float
) -> Box:
    """Zoom in no further than keeps the product whole and the photo sharp enough."""
    base_w = min(photo[0], photo[1] * aspect)
    zoom = max(1.0, min(zoom, MAX_UPSCALE * base_w / target_w))
    while zoom > 1.0:
        crop = _crop(photo, aspect, zoom, focus)
        if _contains(crop, focus, FOCUS_MARGIN):
            return crop
        zoom = max(1.0, zoom - 0.1)
    return _crop(photo, aspect, 1.0, focus)


def _fit(size: tuple[float, float], box: tuple[float, float]) -> tuple[float, float]:
    scale = min(box[0] / size[0], box[1] / size[1])
    return size[0] * scale, size[1] * scale


def _centred(size: tuple[float, float], keyframe: tuple[int, int]) -> Box:
    w, h = round(size[0]), round(size[1])
    return (keyframe[0] - w) // 2, (keyframe[1] - h) // 2, w, h


def _whole(photo: tuple[int, int]) -> Box:
    return 0, 0, photo[0], photo[1]


def place_photo(
    photo: tuple[int, int],
    focus: Box,
    keyframe: tuple[int, int],
    framing: Framing,
    style: PhotoStyle,
    keep_whole: Sequence[Box] = (),
) -> PhotoPlacement:
    """Where the photo goes in a keyframe of size `keyframe` (see module docstring).

    `focus` is the product's box in the photo; `keep_whole` are boxes (people) no crop
    may cut through."""
    kw, kh = keyframe
    frame_aspect = kw / kh
    photo_aspect = photo[0] / photo[1]
    same_shape = abs(math.log(photo_aspect / frame_aspect)) < math.log(SAME_SHAPE)
    if style == "phone":
        keep = (focus, *keep_whole)
        blurry = False
        for zoom in dict.fromkeys((1.0 if keep_whole else PHONE_ZOOM[framing], 1.0)):
            crop = _zoomed_crop(photo, frame_aspect, zoom, focus, kw)
            if kw / crop[2] > PHONE_MAX_UPSCALE:
                blurry = True
            elif all(_in_view(crop, box) for box in keep):
                return PhotoPlacement(crop, (0, 0, kw, kh), fill=False, card=False)
        # The crop would be a blur (the photo is too small for it), or it would lose the
        # product or a person: the whole photo across the frame; closer framings a little
        # larger when only sharpness stood in the way.
        grow = None if blurry and not keep_whole else 1.0
        return phone_whole_photo(photo, focus, keyframe, grow, framing)
    safe = (SAFE_FRACTION * kw, SAFE_FRACTION * kh)
    if framing in ("close", "macro") and not keep_whole:
        safe_aspect = safe[0] / safe[1]
        crop = _zoomed_crop(photo, safe_aspect, CARD_ZOOM[framing], focus, safe[0])
        if crop[2] < photo[0] or crop[3] < photo[1]:  # a real detail, not the whole photo
            return PhotoPlacement(crop, _centred(safe, keyframe), fill=True, card=True)
    if same_shape:
        crop = _crop(photo, frame_aspect, 1.0, focus)
        if all(_contains(crop, box, 0.0) for box in keep_whole):
            return PhotoPlacement(crop, (0, 0, kw, kh), fill=False, card=False)
    scale = CARD_SCALE[framing]
    size = _fit(photo, (safe[0] * scale, safe[1] * scale))
    return PhotoPlacement(_whole(photo), _centred(size, keyframe), fill=True, card=True)


def phone_whole_photo(
    photo: tuple[int, int],
    focus: Box,
    keyframe: tuple[int, int],
    grow: float | None,
    framing: Framing,
) -> PhotoPlacement:
    """The whole photo across the frame over its blurred fill, scaled by PHONE_GROW[framing]
    (`grow` overrides; never enlarged past PHONE_FALLBACK_UPSCALE by the growth), the product
    as central as the photo allows: a film of a photo too small to crop still varies."""
    kw, kh = keyframe
    fit_w, fit_h = _fit(photo, keyframe)
    wanted = PHONE_GROW[framing] if grow is None else grow
    factor = min(wanted, max(1.0, PHONE_FALLBACK_UPSCALE * photo[0] / fit_w))
    w, h = fit_w * factor, fit_h * factor
    fx = (focus[0] + focus[2] / 2) * w / photo[0]
    fy = (focus[1] + focus[3] / 2) * h / photo[1]
    # Where the photo is wider (taller) than the frame it covers it; else it is centred.
    x = min(0.0, max(kw - w, kw / 2 - fx)) if w >= kw else (kw - w) / 2
    y = min(0.0, max(kh - h, kh / 2 - fy)) if h >= kh else (kh - h) / 2
    rect = (round(x), round(y), max(1, round(w)), max(1, round(h)))
    return PhotoPlacement(_whole(photo), rect, fill=True, card=False)


def focus_placement(
    photo: tuple[int, int],
    focus: Box,
    keyframe: tuple[int, int],
    span: tuple[float, float],
    zoom: float = DETAIL_ZOOM,
) -> PhotoPlacement:
    """A detail of the photo edge to edge: the keyframe-shaped window in which `focus`
    spans `span` (of the window's width, of its height; 0: no demand), centred on it,
    inside the photo and never enlarged past MAX_UPSCALE, or, on a photo too small for
    that, never more than `zoom` closer than the whole photo shown edge to edge."""
    kw, kh = keyframe
    aspect = kw / kh
    _, _, fw, fh = focus
    whole = min(photo[0], photo[1] * aspect)
    w = max(
        fw / span[0] if span[0] else 0.0,
        fh * aspect / span[1] if span[1] else 0.0,
        min(kw / MAX_UPSCALE, whole / zoom),
    )
    w = min(w, whole)
    h = w / aspect
    cx, cy = focus[0] + fw / 2, focus[1] + fh / 2
    x = min(max(cx - w / 2, 0.0), photo[0] - w)
    y = min(max(cy - h / 2, 0.0), photo[1] - h)
    crop = (round(x), round(y), max(1, round(w)), max(1, round(h)))
    return PhotoPlacement(crop, (0, 0, kw, kh), fill=False, card=False)


def blurred_fill(photo: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The photo scaled to cover `size`, blurred and dimmed: an extension of the scene.

    Blurred at 1/16 of the size: a full-size blur this wide would cost ~100x more, and
    a blur hides the upscaling."""
    kw, kh = size
    small = (max(2, kw // 16), max(2, kh // 16))
    scale = max(small[0] / photo.width, small[1] / photo.height)
    covered = photo.resize(
        (
            max(small[0], math.ceil(photo.width * scale)),
            max(small[1], math.ceil(photo.height * scale)),
        ),
        Image.Resampling.BOX,
    )
    left, top = (covered.width - small[0]) // 2, (covered.height - small[1]) // 2
    covered = covered.crop((left, top, left + small[0], top + small[1]))
    blurred = covered.filter(ImageFilter.GaussianBlur(radius=max(1.5, small[0] / 40)))
    dimmed = ImageEnhance.Brightness(blurred).enhance(FILL_DARKEN)
    return dimmed.resize(size, Image.Resampling.BILINEAR)


def _rounded(size: tuple[int, int], radius: int) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius, fill=255)
    return mask


def _card_shadow(size: tuple[int, int], rect: Box, light_angle_deg: float) -> Image.Image:
    """A soft drop shadow under the card, away from the light, blurred at 1/4 size."""
    kw, kh = size
    small = Image.new("L", (max(1, kw // 4), max(1, kh // 4)), 0)
    x, y, w, h = (v // 4 for v in rect)
    angle = math.radians(light_angle_deg)
    dx, dy = round(-math.cos(angle) * w * 0.03), round(h * 0.025)
    ImageDraw.Draw(small).rounded_rectangle(
        (x + dx, y + dy, x + dx + w, y + dy + h), max(1, w // 40), fill=150
    )
    small = small.filter(ImageFilter.GaussianBlur(radius=max(2.0, min(w, h) / 18)))
    return small.resize(size, Image.Resampling.BILINEAR)


def draw_photo_keyframe(
    photo: Image.Image, placement: PhotoPlacement, size: tuple[int, int], light_angle_deg: float
) -> Image.Image:
    """The RGB keyframe (ungraded) of `placement` for an RGB `photo`."""
    x, y, w, h = placement.crop
    rx, ry, rw, rh = placement.rect
    part = photo.crop((x, y, x + w, y + h))
    resample = Image.Resampling.LANCZOS if rw < w else Image.Resampling.BICUBIC
    part = part.resize((max(1, rw), max(1, rh)), resample)
    if not placement.fill and (rw, rh) == size:
        return part
    canvas = blurred_fill(photo, size) if placement.fill else Image.new("RGB", size)
    if placement.card:
        shadow = _card_shadow(size, placement.rect, light_angle_deg)
        canvas = Image.composite(Image.new("RGB", size, (0, 0, 0)), canvas, shadow)
        canvas.paste(part, (rx, ry), _rounded(part.size, round(CORNER * min(size))))
    else:
        canvas.paste(part, (rx, ry))
    return canvas


def photo_card(photo: Image.Image, max_side: int = 1400) -> Image.Image:
    """The whole photo as an RGBA card with rounded corners (an end card's product)."""
    card = photo.convert("RGB")
    if max(card.size) > max_side:
        card.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    rgba = card.convert("RGBA")
    rgba.putalpha(_rounded(card.size, round(CORNER * 1.6 * min(card.size))))
    return rgba
