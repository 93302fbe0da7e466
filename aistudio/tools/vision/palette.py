"""Dominant colours of the product (k-means over its foreground pixels)."""

from __future__ import annotations

import cv2
import numpy as np

MAX_SAMPLES = 20_000


def to_hex(rgb: np.ndarray | tuple[int, int, int]) -> str:
    r, g, b = (round(float(c)) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def dominant_colours(rgb: np.ndarray, mask: np.ndarray, k: int = 5) -> tuple[str, ...]:
    pixels = rgb[mask > 127].reshape(-1, 3)
    if pixels.size == 0:
        pixels = rgb.reshape(-1, 3)
    if len(pixels) > MAX_SAMPLES:  # a fixed stride keeps the result deterministic
        pixels = pixels[:: len(pixels) // MAX_SAMPLES]
    k = max(1, min(k, len(pixels)))
    cv2.setRNGSeed(0)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    _, labels, centres = cv2.kmeans(pixels.astype(np.float32), k, None, criteria, 3,
                                    cv2.KMEANS_PP_CENTERS)
    counts = np.bincount(labels.ravel(), minlength=k)
    order = np.argsort(-counts)
    return tuple(to_hex(centres[i]) for i in order if counts[i] > 0)
