"""Dominant colours of the product: k-means in CIE Lab over its foreground pixels.

Lab, not RGB, so that clusters split where people see different colours; near-identical
clusters (shading of one colour) are merged so the palette names distinct colours.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

MAX_SAMPLES = 20_000
MERGE_DELTA_E = 12.0  # CIE76 distance under which two clusters read as one colour
MIN_SHARE = 0.02  # clusters smaller than this share of the product are specks


def to_hex(rgb: np.ndarray | Sequence[float]) -> str:
    r, g, b = (min(255, max(0, round(float(c)))) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _product_pixels(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    # Feathered edges blend product and backdrop: sample only the solid interior.
    core = cv2.erode((mask > 230).astype(np.uint8), np.ones((3, 3), np.uint8))
    pixels = rgb[core > 0]
    if len(pixels) < 50:
        pixels = rgb[mask > 127]
    if len(pixels) < 50:
        pixels = rgb.reshape(-1, 3)
    if len(pixels) > MAX_SAMPLES:  # a fixed stride keeps the result deterministic
        pixels = pixels[:: len(pixels) // MAX_SAMPLES]
    flat: np.ndarray = pixels.reshape(-1, 3)
    return flat


def _lab(pixels: np.ndarray) -> np.ndarray:
    lab: np.ndarray = cv2.cvtColor(
        pixels.reshape(-1, 1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB
    )
    return lab.reshape(-1, 3)


def _rgb(lab: np.ndarray) -> np.ndarray:
    rgb: np.ndarray = cv2.cvtColor(lab.reshape(-1, 1, 3).astype(np.float32), cv2.COLOR_LAB2RGB)
    return np.clip(rgb.reshape(-1, 3) * 255.0, 0, 255)


def _merge(centres: np.ndarray, counts: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """Greedy merge, biggest first: a cluster joins the first kept one within MERGE_DELTA_E."""
    kept: list[tuple[np.ndarray, float]] = []
    for i in np.argsort(-counts, kind="stable"):
        if counts[i] <= 0:
            continue
        for j, (centre, weight) in enumerate(kept):
            if float(np.linalg.norm(centre - centres[i])) < MERGE_DELTA_E:
                total = weight + float(counts[i])
                kept[j] = ((centre * weight + centres[i] * counts[i]) / total, total)
                break
        else:
            kept.append((centres[i].astype(np.float64), float(counts[i])))
    return sorted(kept, key=lambda item: -item[1])


def dominant_colours(rgb: np.ndarray, mask: np.ndarray, k: int = 6) -> tuple[str, ...]:
    """Distinct product colours as "#rrggbb", most frequent first (deterministic)."""
    pixels = _product_pixels(rgb, mask)
    lab = _lab(pixels)
    k = max(1, min(k, len(lab)))
    cv2.setRNGSeed(0)  # k-means++ seeding draws from OpenCV's (per-thread) RNG
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.5)
    _, labels, centres = cv2.kmeans(lab, k, None, criteria, 3, cv2.KMEANS_PP_CENTERS)
    counts = np.bincount(labels.ravel(), minlength=k).astype(np.float64)
    merged = _merge(centres, counts)
    total = sum(weight for _, weight in merged)
    colours = [centre for centre, weight in merged if weight >= MIN_SHARE * total] or [merged[0][0]]
    return tuple(to_hex(c) for c in _rgb(np.array(colours)))


def backdrop_colour(rgb: np.ndarray, mask: np.ndarray) -> str:
    """Median colour of what is clearly not product (the photo's backdrop), "#rrggbb"."""
    outside = rgb[mask < 20]
    if len(outside) < 50:
        outside = rgb.reshape(-1, 3)
    return to_hex(np.median(outside.reshape(-1, 3), axis=0))
