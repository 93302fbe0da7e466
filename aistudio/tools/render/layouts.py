"""Layouts of the local renderer: which one a film uses, and the keyframe each draws.

The entry points:

* `choose_layout(kind, product, cutout_refused=...)`: "cutout" (the product cut out onto a
  studio set, keyframe.py) or "full_photo" (the whole photo, photo_layout.py). The cut-out
  is used only when its score passed at ingest, the film is not UGC (a phone films the
  thing where it stands) and, for fashion, no person is in the photo (a person is kept
  whole, never cut out of their setting).
* `draw_keyframe(layout, image, ...)`: the graded keyframe of one shot; `image` is the
  cut-out (RGBA) for "cutout" and the normalised photo (RGB) for "full_photo".
* `end_card_subject(layout, image)`: what the end card shows: the cut-out, or the photo
  as a card.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from aistudio.artifacts import Asset, Grade, JobKind, Layout, ProductProfile, ShotRender
from aistudio.tools.render.grading import apply_grade
from aistudio.tools.render.keyframe import (
    MACRO_SPAN,
    TRAVEL_SPAN,
    compose_keyframe,
    shot_keyframe_size,
)
from aistudio.tools.render.photo_layout import (
    DETAIL_ZOOM,
    PHONE_MAX_UPSCALE,
    Box,
    PhotoPlacement,
    PhotoStyle,
    contains,
    content_box,
    draw_photo_keyframe,
    focus_placement,
    photo_card,
    place_photo,
    union,
)
from aistudio.tools.vision.ingest import expand_box

PHONE_STEP = 1.25  # a phone's medium shot: this much closer than the whole photo


@dataclass(frozen=True)
class PhotoFacts:
    """What the layouts need to know about the photo."""

    focus: Box  # the product's box in the photo
    keep_whole: tuple[Box, ...] = ()  # people: no crop cuts through them
    style: PhotoStyle = "card"
    cutout_origin: tuple[int, int] = (0, 0)  # the cut-out's top-left corner in the photo


def choose_layout(
    kind: JobKind, product: ProductProfile, *, cutout_refused: bool = False
) -> Layout:
    """The layout of a film of `kind` about `product` (see module docstring).

    `cutout_refused`: QA sent the plan back because its cut-out failed the check."""
    if kind == "ugc" or cutout_refused or product.layout == "full_photo":
        return "full_photo"
    quality = product.cutout_quality
    if kind == "fashion" and quality is not None and quality.people > 0:
        return "full_photo"
    return "cutout"


def layout_source(layout: Layout, product: ProductProfile) -> Asset:
    """The image a layout draws from: the cut-out, or the normalised photo."""
    return product.cutout if layout == "cutout" else product.normalized


def photo_facts(kind: JobKind, product: ProductProfile) -> PhotoFacts:
    quality = product.cutout_quality
    people = quality.person_boxes if quality is not None else ()
    # A face box is the head only: keep the shoulders below it in frame too.
    keep = tuple((x, y, w, min(product.height - y, round(h * 1.8))) for x, y, w, h in people)
    # The cut-out is the product's box grown by 2 % (ingest.cutout_rgba).
    x0, y0, _, _ = expand_box(product.bbox, (product.width, product.height), 0.02)
    return PhotoFacts(product.bbox, keep, "phone" if kind == "ugc" else "card", (x0, y0))


def draw_keyframe(
    layout: Layout,
    image: Image.Image,
    shot: ShotRender,
    frame: tuple[int, int],
    grade: Grade,
    headroom: float,
    facts: PhotoFacts,
) -> Image.Image:
    """The RGB keyframe of `shot` (keyframe_size(frame, headroom)), graded."""
    if layout == "cutout":
        detail = None
        if shot.focus is not None:
            x, y, w, h = shot.focus
            detail = (x - facts.cutout_origin[0], y - facts.cutout_origin[1], w, h)
        return compose_keyframe(image.convert("RGBA"), shot, frame, grade, headroom, detail)
    size = shot_keyframe_size(frame, headroom, shot)
    focus = facts.focus
    if facts.style == "phone":  # a phone crop must not lose what the cut-out box missed
        focus = union(focus, content_box(image))
    placement = _detail_placement(image.size, facts, focus, shot, size, frame[0])
    if placement is None:
        placement = place_photo(
            image.size, focus, size, shot.framing, facts.style, facts.keep_whole
        )
    drawn = draw_photo_keyframe(image.convert("RGB"), placement, size, shot.light_angle_deg)
    return Image.fromarray(apply_grade(np.asarray(drawn), grade))


def _detail_placement(
    photo: tuple[int, int],
    facts: PhotoFacts,
    product: Box,
    shot: ShotRender,
    size: tuple[int, int],
    fw: int,
) -> PhotoPlacement | None:
    """A part of the photo edge to edge, or None (the shot shows the whole photo):

    * a label line across more than the frame's width (the pan travels along it), or a
      macro's detail over most of the frame's height;
    * with people in the photo, the detail together with every person, never cut;
    * a medium shot: the product filling most of the frame, a step closer than the wide
      shot (a card film: only when the photo's shape allows the product whole; a phone
      steps PHONE_STEP closer regardless)."""
    keep = facts.keep_whole
    if shot.focus is not None:
        travel = shot.travel > 1.0 and shot.camera_move in ("pan_left", "pan_right")
        region, span = shot.focus, (0.0, MACRO_SPAN * 0.85)
        if travel:
            span = (TRAVEL_SPAN * fw / size[0], 0.0)
        if keep:  # the person stays whole: the detail and the people, as close as that goes
            for box in keep:
                region = union(region, box)
            span = (0.92, 0.92)
        # A phone zooms in digitally on a small photo (DETAIL_ZOOM); a card film's detail
        # never enlarges the photo past MAX_UPSCALE (zoom 1: at most the whole photo).
        zoom = DETAIL_ZOOM if facts.style == "phone" else 1.0
        placement = focus_placement(photo, region, size, span, zoom)
    elif shot.framing == "medium" and not keep:
        placement = focus_placement(photo, product, size, (0.85, 0.7), 1.0)
        whole = min(photo[0], photo[1] * size[0] / size[1])
        # The phone's wide shot already shows the photo edge to edge: it must step closer.
        closer = facts.style == "card" or placement.crop[2] < 0.95 * whole
        if not (closer and contains(placement.crop, product)):
            if facts.style == "card":
                return None
            # A phone simply steps closer, even if the product's edges leave the frame.
            placement = focus_placement(photo, product, size, (0.0, 0.0), PHONE_STEP)
    else:
        return None
    if facts.style == "phone" and size[0] / placement.crop[2] > PHONE_MAX_UPSCALE:
        return None  # a digital zoom that far is a blur: place_photo films the whole photo
    return placement if all(contains(placement.crop, box) for box in keep) else None


def end_card_subject(layout: Layout, image: Image.Image) -> Image.Image:
    """RGBA: the cut-out, or the whole photo as a rounded card."""
    return image.convert("RGBA") if layout == "cutout" else photo_card(image)
