"""Cut-out quality: would this mask make a clean cut-out of the product, or tear it?

Pure: the photo and its mask in, a `CutoutQuality` out; no I/O, no models. Everything is
measured on a copy ANALYSIS_SIDE pixels long, so figures do not depend on the upload's size.

Each measurement maps to a goodness between 1 (clean) and 0 (torn) along a `Ramp`; the
score is their product, so one clearly bad property is enough to refuse the cut-out, and
a person cut by the boundary scores 0 outright:

* raggedness: 1 - (length of each boundary after smoothing it along its own arc) / (its
  length). A torn edge zigzags at the scale the smoothing removes; a clean edge, even a
  detailed one (a stem, a ladder), loses little. Corpus: clean cuts 0.04-0.10, the fur and
  foliage GrabCut tore 0.11-0.17.
* fragments: share of the mask's area in crumbs (pieces under 2 % of it), plus holes.
* edge contact: share of the boundary running inside the frame's outer band (7 % of the
  short side). A subject the frame (or GrabCut's starting rectangle) chops off shows a
  straight cut edge once it stands on a new backdrop.
* separation: 1 - Bhattacharyya coefficient of the Lab colours of a ring just inside the
  boundary and a ring just outside. A cut along the product's own edge separates colours
  (clean packshots 0.42-0.95); a cut through a scene barely does (0.04-0.37).
* backdrop detail: share of the photo's strong edges lying well outside the mask. A plain
  backdrop has none (0.00-0.11); a busy scene, or the part of the product the mask lost
  (the clear glass of a light bulb on white), leaves them behind (0.35-0.73).
* people: a face box the boundary crosses, a body kept without its head, or a head whose
  neck the mask cuts away from the body (the cut-out would float a head over clothes).

The file's own transparency (method "alpha") is the user's cut-out: the colours under its
transparent pixels are arbitrary, a tight crop touches the frame on purpose and a logo's
letters are separate pieces on purpose, so only raggedness and people are judged there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from aistudio.artifacts import CutoutQuality, MaskMethod

ANALYSIS_SIDE = 384
Box = tuple[int, int, int, int]  # x, y, w, h


@dataclass(frozen=True)
class Ramp:
    """Goodness 1 at `clean`, 0 at `torn`, linear between (either direction)."""

    clean: float
    torn: float

    def goodness(self, value: float) -> float:
        t = (value - self.clean) / (self.torn - self.clean)
        return float(min(1.0, max(0.0, 1.0 - t)))


RAGGEDNESS = Ramp(0.12, 0.30)
FRAGMENTS = Ramp(0.0, 0.10)
EDGE_CONTACT = Ramp(0.05, 0.25)
SEPARATION = Ramp(0.50, 0.20)
BACKDROP_DETAIL = Ramp(0.15, 0.35)
HOLES_ALLOWED, HOLE_PENALTY = 3, 0.15  # mug handles, rings: a few holes are the product's
CRUMB_SHARE = 0.02  # a detached piece smaller than this share of the mask is a crumb
MIN_HOLE_SHARE = 0.002
EDGE_BAND = 0.07  # of the short side
RING = 0.02  # of the diagonal: width of the colour rings either side of the boundary
STRONG_EDGE = 40.0  # Sobel magnitude (0..~1000) of an edge worth counting
SMOOTHING = 0.01  # of the diagonal, in boundary samples (~1 px apart)
# A face box less than this much inside the mask, but more than the low mark, is crossed.
FACE_CROSSED = (0.15, 0.6)


@dataclass(frozen=True)
class _Measures:
    raggedness: float
    fragments: float
    holes: int
    edge_contact: float
    separation: float | None
    backdrop_detail: float | None
    people_cut: int
    cut_how: tuple[str, ...]


def _small(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    scale = min(1.0, ANALYSIS_SIDE / max(h, w))
    if scale == 1.0:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    resized: np.ndarray = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return resized


def _disk(radius: int) -> np.ndarray:
    kernel: np.ndarray = cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1)
    )
    return kernel


def raggedness(binary: np.ndarray) -> float:
    """Share of the boundary length that smoothing each contour along its arc removes."""
    contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    sigma = max(2.0, SMOOTHING * float(np.hypot(*binary.shape)))
    radius = int(3 * sigma)
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    total = smoothed = 0.0
    for contour in contours:
        points = contour[:, 0, :].astype(np.float64)
        if len(points) < 2 * radius + 2:
            continue  # a speck: the fragments measure speaks for it
        wrapped = np.concatenate([points[-radius:], points, points[:radius]])
        curve = np.stack([np.convolve(wrapped[:, i], kernel, mode="valid") for i in (0, 1)], axis=1)
        closed = np.vstack([curve, curve[:1]])
        total += cv2.arcLength(contour, closed=True)
        smoothed += float(np.hypot(*np.diff(closed, axis=0).T).sum())
    return max(0.0, 1.0 - smoothed / total) if total else 0.0


def fragments_and_holes(binary: np.ndarray) -> tuple[float, int]:
    area = int(binary.sum())
    _, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    parts = stats[1:, cv2.CC_STAT_AREA]
    crumbs = float(parts[parts < CRUMB_SHARE * area].sum()) / max(area, 1)
    h, w = binary.shape
    _, _, stats, _ = cv2.connectedComponentsWithStats(1 - binary, connectivity=4)
    holes = sum(
        1
        for x, y, bw, bh, a in stats[1:]
        if x > 0 and y > 0 and x + bw < w and y + bh < h and a >= MIN_HOLE_SHARE * area
    )
    return crumbs, holes


def _boundary(binary: np.ndarray) -> np.ndarray:
    """Mask pixels with a background (or off-frame) neighbour."""
    eroded = cv2.erode(
        binary, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0
    )
    edge: np.ndarray = (binary > 0) & (eroded == 0)
    return edge


def edge_contact(binary: np.ndarray) -> float:
    edge = _boundary(binary)
    band = max(2, round(EDGE_BAND * min(binary.shape)))
    near = np.zeros(binary.shape, bool)
    near[:band], near[-band:], near[:, :band], near[:, -band:] = True, True, True, True
    return float((edge & near).sum()) / max(int(edge.sum()), 1)


def separation(rgb: np.ndarray, binary: np.ndarray) -> float:
    ring = _disk(max(2, round(RING * float(np.hypot(*binary.shape)))))
    inner = (binary > 0) & (cv2.erode(binary, ring) == 0)
    outer = (cv2.dilate(binary, ring) > 0) & (binary == 0)
    if not inner.any() or not outer.any():
        return 0.0
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB) // 32

    def histogram(where: np.ndarray) -> np.ndarray:
        q = lab[where].astype(np.int64)
        counts = np.bincount(q[:, 0] * 64 + q[:, 1] * 8 + q[:, 2], minlength=512)
        share: np.ndarray = counts / counts.sum()
        return share

    return float(1.0 - np.sqrt(histogram(inner) * histogram(outer)).sum())


def backdrop_detail(rgb: np.ndarray, binary: np.ndarray) -> float:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    magnitude = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    strong = magnitude > STRONG_EDGE
    margin = _disk(max(3, round(2 * RING * float(np.hypot(*binary.shape)))))
    far = cv2.dilate(binary, margin) == 0
    return float((strong & far).sum()) / max(int(strong.sum()), 1)


def _share(binary: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> float | None:
    h, w = binary.shape
    x0, x1, y0, y1 = max(0, x0), min(w, x1), max(0, y0), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return None
    return float(binary[y0:y1, x0:x1].mean())


def person_cut(binary: np.ndarray, box: Box, scale: float) -> str | None:
    """How the mask cuts the person whose face is `box` (photo pixels), or None."""
    x, y, w, h = (round(v * scale) for v in box)
    inside = _share(binary, x, y, x + w, y + h) or 0.0
    below = _share(binary, x, y + h, x + w, y + h + round(1.5 * h))
    if FACE_CROSSED[0] < inside < FACE_CROSSED[1]:
        return "the cut runs through a face"
    if inside <= FACE_CROSSED[0]:
        return "a body is kept without its head" if below is not None and below > 0.5 else None
    neck = _share(binary, x + w // 4, y + h, x + w - w // 4, y + h + max(2, round(0.35 * h)))
    body = _share(binary, x, y + round(1.35 * h), x + w, y + round(2.35 * h))
    if neck is not None and neck < 0.5 and body is not None and body > 0.3:
        return "a head is cut from its body at the neck"
    return None


def _measure(
    rgb: np.ndarray, binary: np.ndarray, method: MaskMethod, faces: Sequence[Box], scale: float
) -> _Measures:
    cut_how = tuple(how for box in faces if (how := person_cut(binary, box, scale)))
    if method == "alpha":
        return _Measures(raggedness(binary), 0.0, 0, 0.0, None, None, len(cut_how), cut_how)
    crumbs, holes = fragments_and_holes(binary)
    return _Measures(
        raggedness(binary),
        crumbs,
        holes,
        edge_contact(binary),
        separation(rgb, binary),
        backdrop_detail(rgb, binary),
        len(cut_how),
        cut_how,
    )


def _reasons(m: _Measures) -> tuple[list[float], list[str]]:
    parts: list[tuple[float, str]] = [
        (RAGGEDNESS.goodness(m.raggedness), f"ragged edge ({m.raggedness:.2f})"),
        (FRAGMENTS.goodness(m.fragments), f"{m.fragments:.0%} of the cut in crumbs"),
        (
            1.0 - HOLE_PENALTY * max(0, m.holes - HOLES_ALLOWED),
            f"{m.holes} holes in the cut",
        ),
        (
            EDGE_CONTACT.goodness(m.edge_contact),
            f"{m.edge_contact:.0%} of the cut edge runs along the frame edge",
        ),
    ]
    if m.separation is not None:
        parts.append(
            (
                SEPARATION.goodness(m.separation),
                f"colours barely change across the cut edge (separation {m.separation:.2f})",
            )
        )
    if m.backdrop_detail is not None:
        parts.append(
            (
                BACKDROP_DETAIL.goodness(m.backdrop_detail),
                f"busy backdrop: {m.backdrop_detail:.0%} of the photo's edges lie outside the cut",
            )
        )
    goodness = [max(0.0, g) for g, _ in parts]
    worst_first = sorted((g, why) for g, why in parts if g < 0.999)
    return goodness, [*m.cut_how, *(why for _, why in worst_first)]


def score_cutout(
    rgb: np.ndarray,
    mask: np.ndarray,
    method: MaskMethod,
    *,
    threshold: float,
    faces: Sequence[Box] = (),
) -> CutoutQuality:
    """Score `mask` (uint8 H x W, 0..255) as a cut-out of the RGB photo (uint8 H x W x 3).

    `faces` are face boxes (x, y, w, h, photo pixels) of the people in the photo."""
    people = tuple(tuple(int(v) for v in box) for box in faces)
    boxes: tuple[Box, ...] = tuple((b[0], b[1], b[2], b[3]) for b in people)
    if method == "full":
        return CutoutQuality(
            score=0.0,
            passed=False,
            method=method,
            people=len(boxes),
            person_boxes=boxes,
            reasons=("no cut-out: the whole photo is the product",),
        )
    small_mask = _small(mask)
    scale = small_mask.shape[1] / mask.shape[1]
    binary = (small_mask > 127).astype(np.uint8)
    if binary.mean() < 0.005:
        return CutoutQuality(
            score=0.0,
            passed=False,
            method=method,
            people=len(boxes),
            person_boxes=boxes,
            reasons=("the cut-out is (nearly) empty",),
        )
    small_rgb = cv2.resize(rgb, binary.shape[::-1], interpolation=cv2.INTER_AREA)
    m = _measure(small_rgb, binary, method, boxes, scale)
    goodness, reasons = _reasons(m)
    score = 0.0 if m.people_cut else float(np.prod(goodness))
    return CutoutQuality(
        score=round(score, 3),
        passed=score >= threshold,
        method=method,
        raggedness=round(m.raggedness, 3),
        fragments=round(m.fragments, 3),
        holes=m.holes,
        edge_contact=round(m.edge_contact, 3),
        separation=None if m.separation is None else round(m.separation, 3),
        backdrop_detail=None if m.backdrop_detail is None else round(m.backdrop_detail, 3),
        people=len(boxes),
        people_cut=m.people_cut,
        person_boxes=boxes,
        reasons=tuple(reasons),
    )
