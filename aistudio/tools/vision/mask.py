"""Foreground mask of the product: the alpha channel when the photo has one, else the
backdrop colour estimated from the border, refined by GrabCut (no network weights needed).

Any failure degrades to a "full" mask (the whole photo is the product), never to an error:
a poor cut-out makes a plainer video, a refused upload makes none.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from aistudio.artifacts import MaskMethod

WORK_SIDE = 512  # GrabCut is O(pixels x iterations): segment small, upscale the mask
GRABCUT_ITERATIONS = 4
MIN_COVERAGE, MAX_COVERAGE = 0.02, 0.95
# Border pixels further than this (Lab, 75th percentile) from their median mean the photo
# has a scene behind the product, not a plain backdrop: colour seeds would be noise there.
BUSY_BORDER = 18.0
# A hole inside the product whose colour stays this close (max channel, 90th percentile)
# to the backdrop is the backdrop seen through it, not part of the product.
BACKDROP_HOLE = 10


@dataclass(frozen=True)
class MaskResult:
    mask: np.ndarray  # uint8 (H, W), 0..255, feathered
    method: MaskMethod
    coverage: float  # fraction of pixels with mask > 127
    bbox: tuple[int, int, int, int]  # x, y, w, h
    background: tuple[int, int, int]  # backdrop colour estimate, RGB
    note: str = ""


def _border(rgb: np.ndarray, band: int) -> np.ndarray:
    return np.concatenate(
        [
            rgb[:band].reshape(-1, rgb.shape[2]),
            rgb[-band:].reshape(-1, rgb.shape[2]),
            rgb[:, :band].reshape(-1, rgb.shape[2]),
            rgb[:, -band:].reshape(-1, rgb.shape[2]),
        ]
    )


def _band(shape: tuple[int, ...]) -> int:
    return max(2, min(shape[0], shape[1]) // 50)


def border_colour(rgb: np.ndarray) -> tuple[int, int, int]:
    """Median colour of a thin band around the edge: the backdrop of a product shot."""
    r, g, b = np.median(_border(rgb, _band(rgb.shape)), axis=0)
    return int(r), int(g), int(b)


def _lab(colour: tuple[int, int, int]) -> np.ndarray:
    lab: np.ndarray = cv2.cvtColor(np.array([[colour]], np.uint8), cv2.COLOR_RGB2LAB)
    colour_lab: np.ndarray = lab[0, 0].astype(np.float32)
    return colour_lab


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask > 127)
    if xs.size == 0:
        return 0, 0, mask.shape[1], mask.shape[0]
    return (
        int(xs.min()),
        int(ys.min()),
        int(xs.max() - xs.min() + 1),
        int(ys.max() - ys.min() + 1),
    )


def mask_result(
    mask: np.ndarray, method: MaskMethod, background: tuple[int, int, int], note: str = ""
) -> MaskResult:
    coverage = float((mask > 127).mean())
    return MaskResult(mask, method, coverage, _bbox(mask), background, note)


def _full(shape: tuple[int, ...], background: tuple[int, int, int], note: str) -> MaskResult:
    return mask_result(np.full(shape[:2], 255, np.uint8), "full", background, note)


def _gap(a: np.ndarray, b: np.ndarray) -> int:
    """Pixels between two component boxes (x, y, w, h, ...); 0 when they overlap."""
    dx = max(0, max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2]))
    dy = max(0, max(a[1], b[1]) - min(a[1] + a[3], b[1] + b[3]))
    return int(max(dx, dy))


def _largest_parts(binary: np.ndarray) -> np.ndarray:
    """Keep the product's components and fill holes (whatever the border cannot reach
    through background is product).

    A product may be several pieces (a bottle and its cap, a pair of earrings): besides
    the largest component, keep big ones (>= 25 % of it) anywhere and smaller ones
    (>= 10 %) close to it; lone mid-sized blobs far away are scenery.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 1:
        return binary
    parts = stats[1:]
    areas = parts[:, cv2.CC_STAT_AREA]
    main = parts[int(np.argmax(areas))]
    near = 0.05 * float(np.hypot(*binary.shape))
    keep = [
        i + 1
        for i, part in enumerate(parts)
        if areas[i] >= 0.25 * areas.max()
        or (areas[i] >= 0.1 * areas.max() and _gap(part, main) <= near)
    ]
    kept = np.isin(labels, keep).astype(np.uint8) * 255
    flood = kept.copy()
    padded = np.zeros((flood.shape[0] + 2, flood.shape[1] + 2), np.uint8)
    cv2.floodFill(flood, padded, (0, 0), 255)
    filled: np.ndarray = kept | cv2.bitwise_not(flood)
    return filled


def _reopen_backdrop_holes(
    filled: np.ndarray, kept: np.ndarray, small: np.ndarray, background: tuple[int, int, int]
) -> np.ndarray:
    """Holes the fill closed that are the backdrop itself, seen through the product (the
    frame of a cement mixer, a mug's handle) are holes again; holes of any other colour
    (a pale label, a highlight on glass) stay filled. Measured: backdrop seen through is
    within 0-2 of the border colour, pale product within 11-29."""
    holes = ((filled > 0) & (kept == 0)).astype(np.uint8)
    count, labels = cv2.connectedComponents(holes, connectivity=4)
    if count <= 1:
        return filled
    distance = np.abs(small.astype(np.int16) - np.array(background, np.int16)).max(axis=2)
    reopened = filled.copy()
    for i in range(1, count):
        where = labels == i
        if np.percentile(distance[where], 90) <= BACKDROP_HOLE:
            reopened[where] = 0
    return reopened


def alpha_mask(rgb: np.ndarray, alpha: np.ndarray) -> MaskResult | None:
    """The file's own transparency, when it carves out a product; None to segment instead."""
    opaque = alpha > 127
    coverage = float(opaque.mean())
    if float((alpha < 128).mean()) < 0.01 or coverage > 0.98:
        return None  # an opaque photo saved with an alpha channel
    # The backdrop of a cut-out is transparent; the colours under it are arbitrary, so
    # only opaque border pixels say anything about a backdrop.
    band = _band(rgb.shape)
    border, border_alpha = _border(rgb, band), _border(alpha[..., None], band)[:, 0]
    solid = border[border_alpha > 127]
    background = (255, 255, 255)
    if len(solid) >= 0.25 * len(border):
        r, g, b = np.median(solid, axis=0)
        background = (int(r), int(g), int(b))
    if coverage < MIN_COVERAGE:
        return _full(rgb.shape, background, "alpha channel is almost empty; using the photo")
    return mask_result(alpha.copy(), "alpha", background)


def _seed_by_colour(small: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    diff = lab - _lab(background)
    # Lightness counts half: soft shadows on the backdrop are darker, not differently hued.
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
    return seed


def _border_spread(small: np.ndarray, background: tuple[int, int, int]) -> float:
    lab = cv2.cvtColor(_border(small, _band(small.shape))[None], cv2.COLOR_RGB2LAB)[0]
    return float(
        np.percentile(np.linalg.norm(lab.astype(np.float32) - _lab(background), axis=1), 75)
    )


def product_mask(rgb: np.ndarray, alpha: np.ndarray | None = None) -> MaskResult:
    """Segment the product in an RGB photo (uint8 H x W x 3); see module docstring."""
    h, w = rgb.shape[:2]
    background = border_colour(rgb)
    if alpha is not None and (found := alpha_mask(rgb, alpha)) is not None:
        return found
    scale = min(1.0, WORK_SIDE / max(h, w))
    small = cv2.resize(
        rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    note = ""
    busy = _border_spread(small, background) > BUSY_BORDER
    try:
        if busy:
            # A scene, not a backdrop: assume the product sits inside a centred rectangle.
            note = "busy backdrop: segmented from a centred rectangle"
            seed = np.zeros(small.shape[:2], np.uint8)
            sh, sw = small.shape[:2]
            rect = (round(0.06 * sw), round(0.06 * sh), round(0.88 * sw), round(0.88 * sh))
            cv2.grabCut(
                cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
                seed,
                rect,
                bgd,
                fgd,
                GRABCUT_ITERATIONS,
                cv2.GC_INIT_WITH_RECT,
            )
        else:
            seed = _seed_by_colour(small, background)
            if not np.isin(seed, (cv2.GC_FGD, cv2.GC_PR_FGD)).any():
                return _full(rgb.shape, background, "nothing stands out from the backdrop")
            cv2.grabCut(
                cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
                seed,
                None,
                bgd,
                fgd,
                GRABCUT_ITERATIONS,
                cv2.GC_INIT_WITH_MASK,
            )
    except cv2.error:
        # GrabCut refuses degenerate models (e.g. no background sample at all).
        return _full(rgb.shape, background, "segmentation failed; using the whole photo")
    binary = np.where(np.isin(seed, (cv2.GC_FGD, cv2.GC_PR_FGD)), 255, 0).astype(np.uint8)
    binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    filled = _largest_parts(binary)
    # On a plain backdrop, backdrop-coloured holes are seen through the product; in a scene
    # the border colour says nothing about what a hole is.
    binary = filled if busy else _reopen_backdrop_holes(filled, binary, small, background)
    full = cv2.resize(binary, (w, h), interpolation=cv2.INTER_LINEAR)
    # Feather by about one working-resolution pixel so upscaled stair-steps read as an edge.
    feather = max(1, round(1.5 / scale)) | 1
    full = cv2.GaussianBlur(full, (feather, feather), 0)
    coverage = float((full > 127).mean())
    if not MIN_COVERAGE <= coverage <= MAX_COVERAGE:
        return _full(
            rgb.shape, background, f"segmentation covered {coverage:.0%}; using the whole photo"
        )
    return mask_result(full, "grabcut", background, note)
