"""Sharpness as the variance of the Laplacian, measured at a fixed analysis width.

The Laplacian responds to edges per pixel, so the same picture at 4K and at 540 px would
give very different numbers; resampling every frame to one width first makes the figure
comparable across aspect ratios and resolutions (and to `QASettings.min_sharpness`).
"""

from __future__ import annotations

import cv2
import numpy as np

ANALYSIS_WIDTH = 540
Region = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the frame
CENTRE: Region = (0.2, 0.15, 0.8, 0.7)  # where the product sits in our framings


def sharpness(image: np.ndarray, region: Region = CENTRE) -> float:
    """Variance of the Laplacian over `region` of an RGB, RGBA or grey uint8 image."""
    if image.ndim == 3:
        code = cv2.COLOR_RGBA2GRAY if image.shape[2] == 4 else cv2.COLOR_RGB2GRAY
        gray = cv2.cvtColor(image, code)
    else:
        gray = image
    h, w = gray.shape[:2]
    height = max(1, round(h * ANALYSIS_WIDTH / w))
    # Area averaging when shrinking (no aliasing), cubic when enlarging (no blockiness).
    interpolation = cv2.INTER_AREA if w >= ANALYSIS_WIDTH else cv2.INTER_CUBIC
    gray = cv2.resize(gray, (ANALYSIS_WIDTH, height), interpolation=interpolation)
    x0, y0, x1, y1 = region
    crop = gray[
        round(y0 * height) : max(round(y1 * height), round(y0 * height) + 3),
        round(x0 * ANALYSIS_WIDTH) : max(
            round(x1 * ANALYSIS_WIDTH), round(x0 * ANALYSIS_WIDTH) + 3
        ),
    ]
    return float(cv2.Laplacian(crop, cv2.CV_64F).var())
