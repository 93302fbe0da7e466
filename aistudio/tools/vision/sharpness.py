"""Sharpness as Laplacian variance, measured at a fixed width so it doesn't depend on size."""

from __future__ import annotations

import cv2
import numpy as np

ANALYSIS_WIDTH = 540


def sharpness(rgb: np.ndarray, region: tuple[float, float, float, float] = (0.2, 0.15, 0.8, 0.7)
              ) -> float:
    """Variance of the Laplacian over `region` (x0, y0, x1, y1 as fractions)."""
    h, w = rgb.shape[:2]
    scale = ANALYSIS_WIDTH / w
    gray = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), (ANALYSIS_WIDTH, round(h * scale)),
                      interpolation=cv2.INTER_AREA)
    gh, gw = gray.shape
    x0, y0, x1, y1 = region
    crop = gray[round(y0 * gh):round(y1 * gh), round(x0 * gw):round(x1 * gw)]
    return float(cv2.Laplacian(crop, cv2.CV_64F).var())
