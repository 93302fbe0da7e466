"""Shots that differ: what the offline planner varies from shot to shot, as pure functions.

* cuts on the beat: the music bed is synthesised here at a known tempo, its beats at
  k x 60/bpm from the film's start, so the cuts between shots are moved (frame-exact,
  a shot's frames given to its neighbour) to the nearest beat the shots' minimum lengths
  allow; the film's and the end card's lengths do not change;
* a set per shot: the backdrop's style (sweep, spotlight, duotone split, soft texture)
  never repeats while there are styles left, and the duotone's second colour is the
  palette's accent;
* a detail per shot: a macro frames the product's most detailed region (ingest's keypoint
  density), a close-up pans along the label's widest text line (ingest's OCR boxes);
* an opening hook card over the first HOOK_S seconds; one shot a light sweep crosses.

On a `shot_variety` retry (`more`) the scales spread further apart and the sets reshuffle.
"""

from __future__ import annotations

import colorsys
import random
from collections.abc import Sequence

from aistudio.artifacts import (
    BackdropStyle,
    CameraMove,
    Caption,
    Framing,
    JobKind,
    ProductProfile,
)
from aistudio.tools.planner.copy import Fits, fit_text
from aistudio.tools.planner.house_rules import MIN_CAPTION_S, Timeline

HOOK_S = 1.5  # the opening hook card holds this long
MAX_CUT_SHIFT_S = 0.25  # a cut moves at most this far to land on a beat (QA's tolerance)
STYLES: tuple[BackdropStyle, ...] = ("sweep", "spotlight", "duotone", "texture")
TRAVEL = 1.7  # a label pan's keyframe is this much wider than usual
MIN_TEXT_SHARE = 0.25  # a label line narrower than this share of the product is no pan
Box = tuple[int, int, int, int]


def beat_frames(bpm: int, fps: int, duration_s: float) -> list[float]:
    beat = 60.0 / bpm
    return [k * beat * fps for k in range(int(duration_s / beat) + 2)]


def snap_cuts_to_beats(
    shot_frames: Sequence[int],
    fade_frames: Sequence[int],
    beats: Sequence[float],
    minimum: int,
    max_shift: int,
) -> list[int]:
    """Shot lengths (frames) whose cuts (the middle of each transition between two shots)
    sit on the nearest beat that leaves both neighbours at least `minimum` frames and is
    at most `max_shift` frames away (the timing tolerance: what the shots were planned
    for, the voice lines' budgets among it, must still hold).

    Moving cut i changes shots i and i+1 by opposite amounts: every other cut, the film's
    length and the end card stay where they were."""
    frames = list(shot_frames)
    start = 0.0
    for i in range(len(frames) - 1):
        cut = start + frames[i] - fade_frames[i] / 2
        best: int | None = None
        for beat in beats:
            delta = round(beat - cut)
            if abs(delta) > max_shift:
                continue
            if frames[i] + delta < minimum or frames[i + 1] - delta < minimum:
                continue
            if best is None or abs(delta) < abs(best):
                best = delta
        if best is not None:
            frames[i] += best
            frames[i + 1] -= best
        start += frames[i] - fade_frames[i]
    return frames


def on_the_beat(timeline: Timeline, bpm: int, fps: int, duration_s: float) -> Timeline:
    """`timeline` with its cuts between shots moved onto the bed's beats (module docstring);
    no shot gets shorter than the shortest planned or than its fades and a second."""
    frames = [round(s * fps) for s in timeline.shot_s]
    fades = [round(f * fps) for f in timeline.transition_s]
    minimum = min(*frames, 2 * max(fades) + fps)
    snapped = snap_cuts_to_beats(
        frames, fades, beat_frames(bpm, fps, duration_s), minimum, round(MAX_CUT_SHIFT_S * fps)
    )
    shots = tuple(round(f / fps, 6) for f in snapped)
    return Timeline(shots, timeline.transition_s, timeline.end_card_s)


def backdrop_styles(count: int, rng: random.Random) -> list[BackdropStyle]:
    """`count` styles, none repeated until all four are used, never twice in a row."""
    out: list[BackdropStyle] = []
    while len(out) < count:
        batch = list(STYLES)
        rng.shuffle(batch)
        if out and batch[0] == out[-1]:
            batch.append(batch.pop(0))
        out += batch
    return out[:count]


def _accent(palette: Sequence[str], fallback: str) -> str:
    return palette[1] if len(palette) > 1 else palette[0] if palette else fallback


def duotone_colours(backdrop: tuple[str, str], palette: Sequence[str]) -> tuple[str, str]:
    """The split's two sides: the set's deep colour and the palette's accent, darkened to
    the set's brightness so the product keeps its contrast against both."""
    accent = _accent(palette, backdrop[1]).lstrip("#")
    base = backdrop[0].lstrip("#")
    rgb = [int(accent[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    h, s, _ = colorsys.rgb_to_hsv(*rgb)
    _, _, v = colorsys.rgb_to_hsv(*(int(base[i : i + 2], 16) / 255 for i in (0, 2, 4)))
    r, g, b = colorsys.hsv_to_rgb(h, min(1.0, s * 0.9 + 0.1), max(0.05, min(1.0, v * 1.15)))
    return backdrop[0], "#" + "".join(f"{round(c * 255):02x}" for c in (r, g, b))


REPEAT_STEP = 1.18  # a framing the film already used comes this much closer each time


def scale_spread(framing: Framing, more: int, repeats: int = 0) -> float:
    """A framing's product size against the house scale: wides smaller, close-ups larger,
    and further apart on each shot_variety retry; a framing used `repeats` times before
    steps closer (a second medium is not the first one again)."""
    spread = {"wide": 0.8, "medium": 1.0, "close": 1.2, "macro": 1.2}[framing]
    further = {"wide": 0.85, "medium": 1.0, "close": 1.12, "macro": 1.12}[framing] ** more
    return spread * further * REPEAT_STEP ** (repeats * (1 + more))


def label_line(product: ProductProfile) -> Box | None:
    """The widest label line worth a pan: wide enough on the product to travel along."""
    for box in product.text_boxes:
        if box[2] >= MIN_TEXT_SHARE * product.bbox[2]:
            return box
    return None


def detail_focus(
    framing: Framing, move: CameraMove, product: ProductProfile, *, beside_macro: bool = False
) -> Box | None:
    """What a shot frames tight: a macro the product's most detailed region, a panning
    close-up its label line; None: the whole product. A close-up in a film that also has
    a macro frames the product's other side: on a small photo both come to the same
    sharpness-capped zoom, and around the same detail they were the same picture."""
    if framing == "macro":
        return product.detail_box
    if framing != "close":
        return None
    if move in ("pan_left", "pan_right"):
        return label_line(product)
    if product.detail_box is None:
        return None
    # A close-up: twice the macro's window around the same detail, inside the product.
    x, y, w, h = product.detail_box
    bx, by, bw, bh = product.bbox
    side = min(2 * w, bw, bh)
    cx, cy = x + w // 2, y + h // 2
    if beside_macro:  # the detail's centre mirrored through the product's
        cx, cy = 2 * (bx + bw // 2) - cx, 2 * (by + bh // 2) - cy
    left = min(max(cx - side // 2, bx), bx + bw - side)
    top = min(max(cy - side // 2, by), by + bh - side)
    return left, top, side, side


def label_pan_shot(
    kind: JobKind, framings: Sequence[Framing], product: ProductProfile
) -> int | None:
    """The close-up (the first) that pans along the label, if the label has a line."""
    if kind == "ugc" or label_line(product) is None:
        return None  # a phone is hand-held: no dolly along a label
    return next((i for i, f in enumerate(framings) if f == "close"), None)


def sweep_shot(framings: Sequence[Framing]) -> int:
    """The shot a light sweep crosses: the last medium or wide (the product whole)."""
    for i in range(len(framings) - 1, -1, -1):
        if framings[i] in ("medium", "wide"):
            return i
    return len(framings) - 1


def hook_card(tagline: str, fits: Fits, first_shot_end_s: float) -> Caption | None:
    """The opening hook card: the tagline (rewritten shorter if it does not fit), held over
    the first HOOK_S seconds; none when the first shot would then have no time left for
    its own caption (a short film)."""
    text = fit_text(tagline, fits) if tagline.strip() else None
    if not text or first_shot_end_s - HOOK_S - 0.2 < MIN_CAPTION_S:
        return None
    return Caption(start_s=0.0, end_s=HOOK_S, text=text)
