"""Where a product photo has its detail: the regions its macro and detail shots frame.

* `detail_region`: the window of the product with the most FAST corners (the keypoints
  ORB, which the fidelity check matches, is built on): lettering, stitching, a cap's
  knurl. A macro shot crops tight on it rather than on the product's middle, which on a
  bottle is often a plain expanse of glass.
* `text_lines`: OCR's label lines as boxes, longest first: a detail shot pans along one.

Pure functions on arrays (unit-tested without I/O); ingest runs them off the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h

WINDOW = 0.4  # the detail window's side, of the product box's shorter side
_WORK_SIDE = 512  # keypoints are found on a copy this size: the region, not the pixel, counts
_MIN_CORNERS = 12  # fewer corners than this: no detail to speak of, frame the middle


def detail_region(rgb: np.ndarray, bbox: Box, mask: np.ndarray | None = None) -> Box:
    """The square window (side WINDOW x the box's shorter side) inside `bbox` holding the
    most FAST corners on the product (`mask` > 0 where the product is; None: all of
    `bbox`). The box's middle when the product has hardly any corners."""
    x, y, w, h = bbox
    side = max(2, round(WINDOW * min(w, h)))
    middle = (x + (w - side) // 2, y + (h - side) // 2, side, side)
    crop = rgb[y : y + h, x : x + w]
    if crop.size == 0:
        return middle
    scale = min(1.0, _WORK_SIDE / max(w, h))
    small = cv2.resize(
        cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY),
        (max(1, round(w * scale)), max(1, round(h * scale))),
        interpolation=cv2.INTER_AREA,
    )
    points = cv2.FastFeatureDetector_create(threshold=25).detect(small, None)
    density = np.zeros(small.shape, np.float32)
    region = None if mask is None else mask[y : y + h, x : x + w]
    if region is not None:
        region = cv2.resize(
            region, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_NEAREST
        )
    for p in points:
        px, py = min(round(p.pt[0]), small.shape[1] - 1), min(round(p.pt[1]), small.shape[0] - 1)
        if region is None or region[py, px] > 127:
            density[py, px] += 1.0
    if density.sum() < _MIN_CORNERS:
        return middle
    k = max(1, round(side * scale))
    summed = cv2.boxFilter(density, -1, (k, k), normalize=False, borderType=cv2.BORDER_CONSTANT)
    # Only windows wholly inside the product box: the centre at least half a window in.
    half = k // 2
    inner = summed[
        half : max(half + 1, summed.shape[0] - half), half : max(half + 1, summed.shape[1] - half)
    ]
    cy, cx = np.unravel_index(int(np.argmax(inner)), inner.shape)
    centre_x = x + (cx + half) / scale
    centre_y = y + (cy + half) / scale
    left = round(min(max(centre_x - side / 2, x), x + w - side))
    top = round(min(max(centre_y - side / 2, y), y + h - side))
    return left, top, side, side


def text_lines(
    found: Sequence[tuple[str, float, Box]], min_confidence: float, min_chars: int = 3
) -> tuple[Box, ...]:
    """Boxes of confident, wordy OCR lines, widest first (a pan travels the widest)."""
    keep = [
        box
        for text, score, box in found
        if score >= min_confidence and sum(c.isalnum() for c in text) >= min_chars
    ]
    return tuple(sorted(keep, key=lambda b: -b[2]))
