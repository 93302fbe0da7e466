"""How alike a film's shots look: pairwise similarity of their frames, pure numpy.

Two measures, each cheap and each catching what the other misses:

* structure: the Pearson correlation of 32-pixel-wide grey thumbnails (blurred by the
  downscale), the best over shifts of up to ~6 % (a hand-held camera's drift, which alone
  took a repeated picture's plain correlation down to 0.61-0.79). The same cut-out at the
  same size and place correlates ~0.95 whatever the set's colour; a tighter crop, another
  framing or a product moved across the frame drops it well below 0.7. Invariant to
  brightness and contrast, so a slightly relit set does not count as a different shot;
* colour: the intersection of 4x4x4-bin RGB histograms (1: the same colours in the same
  amounts). It tells a spotlit set from a duotone split the correlation may call alike.

A pair's similarity is the structure weighted by the colour overlap,
structure x (3 + colour) / 4: the same framing on a wholly different set is still three
quarters as alike (a viewer sees the product, framed the same, before the set), on a set
a touch lighter hardly less. The film's is its most alike pair, because
one repeated shot is what a viewer notices. Only the top 70 % of each frame is compared:
the lower third carries captions, which differ shot to shot and would hide a repeated
picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import cv2
import numpy as np

THUMB_W = 32
PICTURE_SHARE = 0.7  # the top of the frame, above the captions
MAX_SHIFT = 2  # thumbnail pixels (~6 % of the width) a repeated picture may have drifted


def _thumb(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h, w = frame.shape[:2]
    top = frame[: max(1, round(h * PICTURE_SHARE))]
    th = max(1, round(THUMB_W * top.shape[0] / w))
    small = cv2.resize(np.ascontiguousarray(top), (THUMB_W, th), interpolation=cv2.INTER_AREA)
    grey = small.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    bins = (small // 64).astype(np.int32).reshape(-1, 3)
    hist = np.bincount(bins[:, 0] * 16 + bins[:, 1] * 4 + bins[:, 2], minlength=64)
    return grey, hist.astype(np.float32) / max(1, bins.shape[0])


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    if denominator < 1e-6:  # a flat frame: alike only if the other is flat too
        return 1.0 if float((a * a).sum() + (b * b).sum()) < 1e-6 else 0.0
    return float((a * b).sum()) / denominator


def _shifted_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """The best correlation of two thumbnails over shifts of up to MAX_SHIFT pixels: a
    hand-held camera's drift moves the same picture a few per cent between two samples."""
    best = -1.0
    h, w = a.shape
    for dy in range(-MAX_SHIFT, MAX_SHIFT + 1):
        for dx in range(-MAX_SHIFT, MAX_SHIFT + 1):
            ya, yb = max(0, dy), max(0, -dy)
            xa, xb = max(0, dx), max(0, -dx)
            part_a = a[ya : h - yb, xa : w - xb]
            part_b = b[yb : h - ya, xb : w - xa]
            best = max(best, _correlation(part_a, part_b))
    return best


def _combine(ga: np.ndarray, ha: np.ndarray, gb: np.ndarray, hb: np.ndarray) -> float:
    structure = max(0.0, _shifted_correlation(ga, gb))
    colour = float(np.minimum(ha, hb).sum())
    return structure * (3.0 + colour) / 4.0


def pair_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """0..1 similarity of two RGB frames (module docstring)."""
    (ga, ha), (gb, hb) = _thumb(a), _thumb(b)
    return round(_combine(ga, ha, gb, hb), 4)


def most_alike(frames: Sequence[np.ndarray]) -> tuple[float, tuple[int, int] | None]:
    """The highest pairwise similarity among `frames` and which pair (0-based) it is."""
    thumbs = [_thumb(f) for f in frames]
    best, pair = 0.0, None
    for i, j in combinations(range(len(frames)), 2):
        (ga, ha), (gb, hb) = thumbs[i], thumbs[j]
        value = _combine(ga, ha, gb, hb)
        if pair is None or value > best:
            best, pair = value, (i, j)
    return round(best, 4), pair
