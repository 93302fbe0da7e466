"""Studio backdrops from two colours, in four styles a film varies shot to shot:

* sweep: a top-to-bottom gradient, a soft key-light pool, a floor line;
* spotlight: a dark set with one tight pool of light behind the product;
* duotone: the set split on a slant between the two colours, a soft seam;
* texture: the sweep over a soft, low-frequency mottling (a painted canvas backdrop).
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from aistudio.artifacts import BackdropStyle


def hex_rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


# The backdrop has no detail finer than its 2 % floor line, so it is computed on a grid this
# many times smaller and upscaled bilinearly: identical to the eye, 1/16 of the float work
# (0.16 s -> 0.02 s per 1274x2266 keyframe, measured).
_DETAIL_STEP = 4


def studio_backdrop(
    width: int,
    height: int,
    colours: tuple[str, str],
    light_angle_deg: float,
    floor_y: float | None = None,
    style: BackdropStyle = "sweep",
    seed: int = 0,
) -> np.ndarray:
    """RGB uint8 (height, width, 3). `floor_y` (0..1) adds a horizon where the set's floor
    meets the wall: slightly brighter floor, soft line."""
    small_w = max(2, math.ceil(width / _DETAIL_STEP))
    small_h = max(2, math.ceil(height / _DETAIL_STEP))
    aspect = width / height
    if style == "spotlight":
        small = _spotlight_grid(small_w, small_h, aspect, colours, light_angle_deg, floor_y)
    elif style == "duotone":
        small = _duotone_grid(small_w, small_h, aspect, colours, light_angle_deg)
    else:
        small = _backdrop_grid(small_w, small_h, aspect, colours, light_angle_deg, floor_y)
        if style == "texture":
            small = _mottle(small, seed)
    full = Image.fromarray(small).resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(full).copy()


def _backdrop_grid(
    width: int,
    height: int,
    aspect: float,
    colours: tuple[str, str],
    light_angle_deg: float,
    floor_y: float | None,
) -> np.ndarray:
    top, bottom = (np.array(hex_rgb(c), dtype=np.float32) for c in colours)
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    image = top * (1 - t) + bottom * t
    image = np.broadcast_to(image, (height, width, 3)).copy()
    # Key-light pool: a wide soft ellipse, offset toward the light.
    angle = math.radians(light_angle_deg)
    cx = 0.5 + 0.22 * math.cos(angle)
    cy = 0.38 - 0.12 * math.sin(angle)
    yy = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    xx = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    dist = ((xx - cx) * aspect) ** 2 / 0.18 + (yy - cy) ** 2 / 0.22
    pool = np.exp(-dist)[..., None]
    image = image + pool * (255.0 - image) * 0.28
    if floor_y is not None:
        floor = np.clip((yy - floor_y) / 0.02, 0, 1)[..., None]
        image = image * (1 - 0.12 * floor) + 0.12 * floor * (image * 1.25)
    result: np.ndarray = np.clip(image, 0, 255).astype(np.uint8)
    return result


def _grid(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    yy = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    xx = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    return xx, yy


def _spotlight_grid(
    width: int,
    height: int,
    aspect: float,
    colours: tuple[str, str],
    light_angle_deg: float,
    floor_y: float | None,
) -> np.ndarray:
    top, bottom = (np.array(hex_rgb(c), dtype=np.float32) for c in colours)
    dark = np.minimum(top, bottom) * 0.35
    xx, yy = _grid(width, height)
    cx = 0.5 + 0.06 * math.cos(math.radians(light_angle_deg))
    centre_y = 0.4 if floor_y is None else floor_y - 0.22
    dist = ((xx - cx) * aspect) ** 2 / 0.045 + (yy - centre_y) ** 2 / 0.06
    pool = np.exp(-dist)[..., None]
    lit = np.maximum(top, bottom) * 1.15 + 30.0
    image = dark * (1 - pool) + lit * pool
    if floor_y is not None:  # the pool spills onto the floor as a flat ellipse
        spill = np.exp(-(((xx - cx) * aspect) ** 2 / 0.06 + (yy - floor_y - 0.02) ** 2 / 0.002))
        image = image + spill[..., None] * (lit - image) * 0.35
    result: np.ndarray = np.clip(image, 0, 255).astype(np.uint8)
    return result


def _duotone_grid(
    width: int, height: int, aspect: float, colours: tuple[str, str], light_angle_deg: float
) -> np.ndarray:
    first, second = (np.array(hex_rgb(c), dtype=np.float32) for c in colours)
    xx, yy = _grid(width, height)
    slant = 0.35 * math.cos(math.radians(light_angle_deg))
    seam = (xx - 0.5) * aspect + (yy - 0.5) * slant
    t = np.clip(seam / 0.04 + 0.5, 0, 1)[..., None]  # a soft seam, not a hard edge
    image = first * (1 - t) + second * t
    vignette = 1 - 0.25 * (((xx - 0.5) * 2) ** 2 + ((yy - 0.45) * 1.6) ** 2)[..., None]
    result: np.ndarray = np.clip(image * vignette, 0, 255).astype(np.uint8)
    return result


def _mottle(image: np.ndarray, seed: int) -> np.ndarray:
    """A soft, low-frequency texture over `image`: random light and shade on a coarse grid,
    upscaled smoothly (no grain: x264 would spend bits on it and QA reads it as noise)."""
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    coarse = rng.normal(0.0, 1.0, (max(2, h // 10), max(2, w // 10))).astype(np.float32)
    field = np.asarray(
        Image.fromarray(coarse).resize((w, h), Image.Resampling.BICUBIC),
        dtype=np.float32,
    )
    shaded = image.astype(np.float32) * (1 + 0.05 * field[..., None])
    result: np.ndarray = np.clip(shaded, 0, 255).astype(np.uint8)
    return result
