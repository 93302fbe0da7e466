"""Ingest a reference photo: validate it, orient it, learn the product from it.

Validation happens before any pixel is decoded: the type comes from the magic bytes (not
the name), and the pixel count from the header, so a decompression bomb is refused
without allocating its canvas.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from aistudio.artifacts import ProductProfile
from aistudio.errors import InputError, MediaTooLarge, UnsupportedMedia
from aistudio.settings import MediaLimits
from aistudio.tools.protocols import Storage
from aistudio.tools.vision.mask import MaskResult, product_mask
from aistudio.tools.vision.ocr import TextReader
from aistudio.tools.vision.palette import dominant_colours, to_hex

_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
MIN_TEXT_CONFIDENCE = 0.6


def sniff(data: bytes) -> str:
    """The image format from magic bytes; anything else is refused."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    raise UnsupportedMedia("the reference must be a PNG, JPEG or WEBP image")


@dataclass(frozen=True)
class Decoded:
    rgb: np.ndarray
    alpha: np.ndarray | None
    original_size: tuple[int, int]


def decode(data: bytes, limits: MediaLimits) -> Decoded:
    if not data:
        raise InputError("the reference image is empty")
    if len(data) > limits.max_file_bytes:
        raise MediaTooLarge(
            f"the reference image is {len(data)} bytes; the limit is {limits.max_file_bytes}"
        )
    fmt = sniff(data)
    try:
        with warnings.catch_warnings():
            # PIL's own bomb guard as a second line; ours below is tighter.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[fmt])
            width, height = image.size  # header only: nothing decoded yet
            if width * height > limits.max_pixels or max(width, height) > limits.max_side_px:
                raise MediaTooLarge(
                    f"the reference image is {width}x{height} pixels; the limit is "
                    f"{limits.max_pixels} pixels and {limits.max_side_px} per side"
                )
            if min(width, height) < limits.min_side_px:
                raise InputError(
                    f"the reference image is {width}x{height}; it needs at least "
                    f"{limits.min_side_px} pixels per side"
                )
            image.load()
            image = ImageOps.exif_transpose(image) or image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaTooLarge(f"the reference image looks like a decompression bomb: {exc}") \
            from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"the reference image is corrupt or truncated ({exc})") from exc
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    scale = limits.working_side_px / max(image.size)
    if scale < 1:
        image = image.resize((max(1, round(image.width * scale)),
                              max(1, round(image.height * scale))), Image.Resampling.LANCZOS)
    array = np.asarray(image)
    alpha = array[..., 3].copy() if has_alpha else None
    rgb = np.ascontiguousarray(array[..., :3])
    return Decoded(rgb, alpha, (width, height))


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def cutout_image(rgb: np.ndarray, mask: MaskResult) -> Image.Image:
    """RGBA crop around the product (small margin), alpha = the feathered mask."""
    x, y, w, h = mask.bbox
    margin = round(0.02 * max(w, h))
    x0, y0 = max(0, x - margin), max(0, y - margin)
    x1, y1 = min(rgb.shape[1], x + w + margin), min(rgb.shape[0], y + h + margin)
    rgba = np.dstack([rgb[y0:y1, x0:x1], mask.mask[y0:y1, x0:x1]])
    return Image.fromarray(rgba, "RGBA")


class LocalIngestor:
    def __init__(self, storage: Storage, limits: MediaLimits, ocr: TextReader) -> None:
        self.storage = storage
        self.limits = limits
        self.ocr = ocr

    async def ingest(self, data: bytes, *, source_name: str = "") -> ProductProfile:
        decoded = await asyncio.to_thread(decode, data, self.limits)
        mask = await asyncio.to_thread(product_mask, decoded.rgb, decoded.alpha)
        palette, cutout = await asyncio.gather(
            asyncio.to_thread(dominant_colours, decoded.rgb, mask.mask),
            asyncio.to_thread(cutout_image, decoded.rgb, mask),
        )
        texts = await self.ocr.read(decoded.rgb)
        detected = tuple(dict.fromkeys(t for t, score in texts if score >= MIN_TEXT_CONFIDENCE))
        normalized_png, cutout_png = await asyncio.gather(
            asyncio.to_thread(_png, Image.fromarray(decoded.rgb)),
            asyncio.to_thread(_png, cutout),
        )
        h, w = decoded.rgb.shape[:2]
        normalized = await self.storage.put_bytes(normalized_png, kind="normalized",
                                                  mime="image/png", ext="png", width=w, height=h)
        cut = await self.storage.put_bytes(cutout_png, kind="cutout", mime="image/png",
                                           ext="png", width=cutout.width, height=cutout.height)
        ow, oh = decoded.original_size
        notes = (
            f"original {ow}x{oh}, working copy {w}x{h}",
            f"mask by {mask.method}, product covers {mask.coverage:.0%} of the frame",
            f"label text: {', '.join(detected) if detected else 'none found'}",
        )
        return ProductProfile(
            normalized=normalized, cutout=cut, width=w, height=h, bbox=mask.bbox,
            palette=palette, background=to_hex(mask.background), detected_text=detected,
            mask_method=mask.method, mask_coverage=round(mask.coverage, 4), notes=notes,
        )
