"""Foreground mask of the product: alpha when the photo has it, else backdrop colour
distance refined by GrabCut (no network weights needed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

WORK_SIDE = 512  # GrabCut is O(pixels x iterations): segment small, upscale the mask
MaskMethod = Literal["alpha", "grabcut", "full"]


@dataclass(frozen=True)
class MaskResult:
    mask: np.ndarray  # uint8 (H, W), 0..255, feathered
    method: MaskMethod
    coverage: float
    bbox: tuple[int, int, int, int]  # x, y, w, h
    background: tuple[int, int, int]


def border_colour(rgb: np.ndarray) -> tuple[int, int, int]:
    h, w = rgb.shape[:2]
    band = max(2, min(h, w) // 50)
    border = np.concatenate([rgb[:band].reshape(-1, 3), rgb[-band:].reshape(-1, 3),
                             rgb[:, :band].reshape(-1, 3), rgb[:, -band:].reshape(-1, 3)])
    r, g, b = np.median(border, axis=0)
    return int(r), int(g), int(b)


def _largest_parts(binary: np.ndarray) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 1:
        return binary
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= 0.1 * areas.max()) + 1
    kept = np.isin(labels, keep).astype(np.uint8) * 255
    # Fill holes: whatever the border can't reach through background is product.
    flood = kept.copy()
    padded = np.zeros((flood.shape[0] + 2, flood.shape[1] + 2), np.uint8)
    cv2.floodFill(flood, padded, (0, 0), 255)
    filled: np.ndarray = kept | cv2.bitwise_not(flood)
    return filled


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask > 127)
    if xs.size == 0:
        return 0, 0, mask.shape[1], mask.shape[0]
    return (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1),
            int(ys.max() - ys.min() + 1))


def _result(mask: np.ndarray, method: MaskMethod, background: tuple[int, int, int]
            ) -> MaskResult:
    coverage = float((mask > 127).mean())
    return MaskResult(mask, method, coverage, _bbox(mask), background)


def product_mask(rgb: np.ndarray, alpha: np.ndarray | None = None) -> MaskResult:
    h, w = rgb.shape[:2]
    background = border_colour(rgb)
    if alpha is not None:
        coverage = float((alpha > 127).mean())
        if alpha.min() < 250 and 0.02 <= coverage <= 0.98:
            return _result(alpha.copy(), "alpha", background)
    scale = min(1.0, WORK_SIDE / max(h, w))
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    bg_lab = cv2.cvtColor(np.array([[background]], dtype=np.uint8),
                          cv2.COLOR_RGB2LAB)[0, 0].astype(np.float32)
    # Lightness counts half: soft shadows on the backdrop are darker, not differently hued.
    diff = lab - bg_lab
    dist = np.sqrt((0.5 * diff[..., 0]) ** 2 + diff[..., 1] ** 2 + diff[..., 2] ** 2)
    threshold = max(14.0, float(np.percentile(dist, 60)) * 0.5)
    seed = np.full(dist.shape, cv2.GC_PR_BGD, np.uint8)
    seed[dist > threshold] = cv2.GC_PR_FGD
    seed[dist > 3 * threshold] = cv2.GC_FGD
    # The photo's own soft shadow: the backdrop's hue, only somewhat darker. It must not
    # become part of the product (it would float under it in every new scene).
    chroma = np.sqrt(diff[..., 1] ** 2 + diff[..., 2] ** 2)
    shadow = (chroma < 8) & (diff[..., 0] < 0) & (diff[..., 0] > -45)
    seed[shadow] = cv2.GC_BGD
    band = max(2, min(seed.shape) // 40)
    seed[:band], seed[-band:], seed[:, :band], seed[:, -band:] = (cv2.GC_BGD,) * 4
    if not (seed == cv2.GC_FGD).any() and not (seed == cv2.GC_PR_FGD).any():
        return _result(np.full((h, w), 255, np.uint8), "full", background)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(cv2.cvtColor(small, cv2.COLOR_RGB2BGR), seed, None, bgd, fgd, 4,
                    cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return _result(np.full((h, w), 255, np.uint8), "full", background)
    binary = np.where((seed == cv2.GC_FGD) | (seed == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    binary = _largest_parts(binary)
    full = cv2.resize(binary, (w, h), interpolation=cv2.INTER_LINEAR)
    feather = max(1, round(1.5 / scale)) | 1
    full = cv2.GaussianBlur(full, (feather, feather), 0)
    coverage = float((full > 127).mean())
    if not 0.02 <= coverage <= 0.95:
        return _result(np.full((h, w), 255, np.uint8), "full", background)
    return _result(full, "grabcut", background)
