"""Vibe-specific colour grading: per-channel curves (LUTs) + saturation + vignette.

Mild on purpose: the product's label must stay legible and its colours recognisable.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image

from aistudio.artifacts import Grade


@dataclass(frozen=True)
class GradeSpec:
    contrast: float  # S-curve strength
    lift: tuple[float, float, float]  # shadows tint (added at black), 0..1 units
    gain: tuple[float, float, float]  # highlights multiplier
    saturation: float
    vignette: float  # darkening at the corners, 0..1


GRADES: dict[Grade, GradeSpec] = {
    "luxurious": GradeSpec(0.22, (0.012, 0.006, 0.0), (1.04, 1.0, 0.93), 1.05, 0.32),
    "stylish": GradeSpec(0.2, (0.0, 0.012, 0.022), (1.05, 1.0, 0.95), 0.95, 0.22),
    "natural": GradeSpec(0.06, (0.02, 0.015, 0.01), (1.02, 1.0, 0.97), 0.97, 0.1),
    "bold": GradeSpec(0.28, (0.0, 0.0, 0.0), (1.02, 1.0, 1.0), 1.22, 0.2),
    "fresh": GradeSpec(0.08, (0.02, 0.025, 0.03), (0.98, 1.0, 1.04), 1.03, 0.05),
}


@lru_cache(maxsize=8)
def _luts(grade: Grade) -> np.ndarray:
    spec = GRADES[grade]
    x = np.linspace(0.0, 1.0, 256)
    curve = x + spec.contrast * (x - 0.5) * (1 - np.abs(2 * x - 1))  # gentle S around mid
    luts = []
    for channel in range(3):
        y = spec.lift[channel] * (1 - curve) + curve * spec.gain[channel]
        luts.append(np.clip(y * 255.0, 0, 255).astype(np.uint8))
    return np.stack(luts)


@lru_cache(maxsize=16)
def vignette_mask(height: int, width: int, strength: float) -> np.ndarray:
    yy = np.linspace(-1, 1, height, dtype=np.float32)[:, None]
    xx = np.linspace(-1, 1, width, dtype=np.float32)[None, :]
    r2 = (xx**2 + yy**2) / 2
    return (1.0 - strength * np.clip(r2, 0, 1) ** 1.5)[..., None].astype(np.float32)


@lru_cache(maxsize=8)
def _cv_lut(grade: Grade) -> np.ndarray:
    """The three curves as one (256, 1, 3) table for cv2.LUT (one pass, all channels)."""
    return np.ascontiguousarray(_luts(grade).T.reshape(256, 1, 3))


def apply_grade(rgb: np.ndarray, grade: Grade) -> np.ndarray:
    """Grade an RGB uint8 image (H, W, 3); returns a new uint8 array.

    In place on one float32 copy (the same arithmetic, in the same order, as the textbook
    `luma + (rgb - luma) * saturation`, so the same bytes): half the time of the version
    that made a new array per step, which showed in every keyframe."""
    spec = GRADES[grade]
    work = cv2.LUT(np.ascontiguousarray(rgb), _cv_lut(grade)).astype(np.float32)
    if abs(spec.saturation - 1.0) > 1e-3:
        luma = (work @ np.array([0.299, 0.587, 0.114], dtype=np.float32))[..., None]
        work -= luma
        work *= spec.saturation
        work += luma
    if spec.vignette > 0:
        work *= vignette_mask(rgb.shape[0], rgb.shape[1], spec.vignette)
    np.clip(work, 0, 255, out=work)
    graded: np.ndarray = work.astype(np.uint8)
    return graded


def light_band(frame: tuple[int, int]) -> Image.Image:
    """RGBA: a soft, slanted band of warm white light, a frame tall; a light sweep moves it
    across a shot. Drawn at a quarter size: it has no detail to lose."""
    fw, fh = frame
    w, h = max(2, round(0.5 * fw) // 4), max(2, fh // 4)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    centre = w / 2 + 0.18 * (yy - h / 2)
    profile = np.exp(-(((xx - centre) / (0.12 * w)) ** 2))
    alpha = (profile * 70).astype(np.uint8)  # at most ~27 % white: a sheen, not a flash
    rgba = np.dstack([np.full((h, w), v, np.uint8) for v in (255, 248, 236)] + [alpha])
    band = Image.fromarray(rgba, "RGBA")
    return band.resize((max(2, round(0.5 * fw)), fh), Image.Resampling.BILINEAR)
