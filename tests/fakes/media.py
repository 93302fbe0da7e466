"""What the fake models return: real media made from what was uploaded.

* image-to-video: a real MP4, a slow pan across the first frame (so the product in it
  survives, as a good model's would), H.264 at the frame's own size, as long as asked;
* image edit: the product cut out of the photo and set on a new backdrop (PNG) — or, with
  the "product lost" fault, a scene without it;
* background removal: a real RGBA cut-out of the photo (alpha = the product).
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import imageio_ffmpeg
import numpy as np
from PIL import Image, ImageDraw


def requested_seconds(value: object, default: float = 4.0) -> float:
    """5 | "5" | "5s" -> 5.0."""
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.rstrip("s").isdigit():
        return float(value.rstrip("s"))
    return default


async def clip_from_frame(frame: bytes, seconds: float) -> bytes:
    with tempfile.TemporaryDirectory(prefix="fake-model-") as tmp:
        src, out = Path(tmp) / "frame.jpg", Path(tmp) / "clip.mp4"
        src.write_bytes(frame)
        graph = (
            "scale=trunc(iw*1.08/2)*2:-2,"
            f"crop=trunc(iw/1.08/2)*2:trunc(ih/1.08/2)*2:x='(iw-ow)*t/{seconds}':"
            "y='(ih-oh)/2',format=yuv420p"
        )
        proc = await asyncio.create_subprocess_exec(
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-loop",
            "1",
            "-framerate",
            "24",
            "-t",
            str(seconds),
            "-i",
            str(src),
            "-vf",
            graph,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "18",
            "-movflags",
            "+faststart",
            str(out),
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, err = await proc.communicate()
        except asyncio.CancelledError:  # the fake is shutting down: leave no ffmpeg behind
            proc.kill()
            await proc.wait()
            raise
        if proc.returncode != 0:
            raise RuntimeError(f"fake model could not encode: {err.decode()[-500:]}")
        return out.read_bytes()


def grey_frame_like(frame: bytes) -> bytes:
    """A plain grey JPEG of the frame's size: the product is gone."""
    with Image.open(io.BytesIO(frame)) as image:
        size = image.size
    buffer = io.BytesIO()
    Image.new("RGB", size, (128, 128, 128)).save(buffer, format="JPEG")
    return buffer.getvalue()


# -- image models: scenes (image edit) and cut-outs (background removal) ---------------
# What a fake image-edit model makes of the photo: the product cut out of it and set on a
# new backdrop in the requested aspect (as a good model keeps the product), or, when the
# test asks for the "product lost" fault, the same kind of scene with a vase instead.

SCENE_SIZES = {"9:16": (576, 1024), "1:1": (1024, 1024), "16:9": (1024, 576)}
# fal's named sizes (Seedream's image_size) -> aspect
NAMED_SIZES = {
    "portrait_16_9": "9:16",
    "square_hd": "1:1",
    "square": "1:1",
    "landscape_16_9": "16:9",
}


def media_names(payload: dict[str, Any]) -> list[str]:
    """The fake's own files a request refers to (single URL fields and URL lists)."""
    names = []
    for value in payload.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and "/media/" in item:
                names.append(item.rsplit("/media/", 1)[1])
    return names


def scene_size(payload: dict[str, Any], photo: bytes) -> tuple[int, int]:
    aspect = payload.get("aspect_ratio") or payload.get("image_size")
    if isinstance(aspect, str):
        aspect = NAMED_SIZES.get(aspect, aspect)
        if aspect in SCENE_SIZES:
            return SCENE_SIZES[aspect]
    with Image.open(io.BytesIO(photo)) as image:  # "match_input_image", "auto", absent
        return image.size


def foreground_mask(rgb: np.ndarray) -> np.ndarray:
    """A real segmentation of a product photo on a plain backdrop (uint8 0/255): the
    backdrop colour is read off the border, pixels far from it are foreground, cleaned up
    and reduced to the largest part with its holes filled."""
    border = np.concatenate(
        [
            rgb[:8].reshape(-1, 3),
            rgb[-8:].reshape(-1, 3),
            rgb[:, :8].reshape(-1, 3),
            rgb[:, -8:].reshape(-1, 3),
        ]
    )
    backdrop = np.median(border, axis=0)
    distance = np.linalg.norm(rgb.astype(np.float32) - backdrop, axis=2)
    mask = (distance > 28).astype(np.uint8) * 255
    kernel = np.ones((5, 5), np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel, iterations=2)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    if count <= 1:
        return np.asarray(mask, np.uint8)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    mask = np.where(labels == largest, 255, 0).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled: np.ndarray = np.zeros_like(mask)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    return filled


def cutout_png(photo: bytes) -> bytes:
    """What a fake background remover returns: RGBA PNG, the photo's size, alpha = product."""
    with Image.open(io.BytesIO(photo)) as image:
        rgb = np.asarray(image.convert("RGB"))
    alpha = cv2.GaussianBlur(foreground_mask(rgb), (3, 3), 0)
    buffer = io.BytesIO()
    Image.fromarray(np.dstack([rgb, alpha])).save(buffer, format="PNG")
    return buffer.getvalue()


def _backdrop(size: tuple[int, int], seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    width, height = size
    top, bottom = rng.integers(40, 200, 3), rng.integers(20, 120, 3)
    ramp = np.linspace(0.0, 1.0, height)[:, None, None]
    pixels = (top * (1 - ramp) + bottom * ramp).repeat(width, axis=1)
    image = Image.fromarray(pixels.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    floor = int(height * 0.72)
    draw.rectangle((0, floor, width, height), fill=_rgb(bottom // 2))
    for _ in range(6):  # soft props in the set: texture for the fidelity check to reject
        x, y, r = (
            int(v) for v in (rng.integers(0, width), rng.integers(0, floor), rng.integers(20, 90))
        )
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_rgb(rng.integers(60, 230, 3)))
    return image


def _rgb(values: np.ndarray) -> tuple[int, int, int]:
    red, green, blue = (int(v) for v in values[:3])
    return red, green, blue


def scene_png(photo: bytes, size: tuple[int, int], *, lose_product: bool, seed: int = 0) -> bytes:
    """The product from `photo` on a new set in `size`; without it when it is "lost"."""
    scene = _backdrop(size, seed)
    width, height = size
    if lose_product:
        draw = ImageDraw.Draw(scene)  # something else entirely stands where it should
        draw.ellipse((width * 0.35, height * 0.35, width * 0.65, height * 0.75), fill=(200, 90, 60))
    else:
        with Image.open(io.BytesIO(cutout_png(photo))) as cut:
            product = cut.crop(cut.getbbox() or (0, 0, cut.width, cut.height))
        scale = min(width * 0.7 / product.width, height * 0.6 / product.height)
        product = product.resize(
            (round(product.width * scale), round(product.height * scale)), Image.Resampling.LANCZOS
        )
        left, top = (width - product.width) // 2, int(height * 0.74) - product.height
        scene.paste(product, (left, top), product)
    buffer = io.BytesIO()
    scene.save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class ProductLoss:
    """The "product lost" fault of the image-edit fakes: which accepted requests return a
    scene without the product."""

    numbers: set[int] = field(default_factory=set)  # 1-based among accepted image edits
    # Every scene of the first shot the fake sees, its remake included (a remake's prompt
    # starts with the first prompt): the shot must fall back to its local keyframe.
    first_shot: bool = False
    every: bool = False
    first_prompt: str | None = None
    lost: list[int] = field(default_factory=list)  # the numbers that lost it

    def __call__(self, number: int, prompt: str) -> bool:
        if self.first_shot and self.first_prompt is None:
            self.first_prompt = prompt
        losing = (
            self.every
            or number in self.numbers
            or (self.first_prompt is not None and prompt.startswith(self.first_prompt))
        )
        if losing:
            self.lost.append(number)
        return losing
