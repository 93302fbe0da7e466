"""The bundled OFL font (Lato), loaded lazily and cached per size."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Literal

from PIL import ImageFont

Weight = Literal["Regular", "Bold", "Black"]


@lru_cache(maxsize=64)
def font(size: int, weight: Weight = "Bold") -> ImageFont.FreeTypeFont:
    ref = resources.files("aistudio.assets.fonts").joinpath(f"Lato-{weight}.ttf")
    with resources.as_file(ref) as path:
        return ImageFont.truetype(str(path), size=max(8, size))
