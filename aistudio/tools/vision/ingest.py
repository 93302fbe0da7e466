"""Ingest a reference photo: validate it, orient it, learn the product from it.

Validation happens before any pixel is decoded: the type comes from the magic bytes (not
the name), and the pixel size from our own reading of the header, so a decompression bomb
is refused without allocating its canvas — whatever `Image.MAX_IMAGE_PIXELS` is set to
elsewhere in the process.
"""

from __future__ import annotations

import asyncio
import io
import struct
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from aistudio.artifacts import ProductProfile
from aistudio.errors import InputError, MediaTooLarge, UnsupportedMedia
from aistudio.settings import MediaLimits
from aistudio.tools.protocols import BackgroundRemover, Storage
from aistudio.tools.vision.cutout import CutoutChooser
from aistudio.tools.vision.detail import detail_region, text_lines
from aistudio.tools.vision.faces import PeopleDetector
from aistudio.tools.vision.mask import MaskResult
from aistudio.tools.vision.ocr import LABEL_MAX_SIDE, TextReader
from aistudio.tools.vision.palette import backdrop_colour, dominant_colours, to_hex

MIN_TEXT_CONFIDENCE = 0.6
# A product covering less of the photo than this gets a second OCR pass on its own crop,
# where small label lettering is read at a higher resolution.
CROP_OCR_BELOW = 0.12
_JPEG_SOF = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})


def sniff(data: bytes) -> str:
    """The image format from magic bytes; anything else is refused, whatever its name."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    raise UnsupportedMedia("the reference must be a PNG, JPEG or WEBP image")


def _truncated(fmt: str) -> InputError:
    return InputError(f"the reference {fmt} is truncated: its header is incomplete")


def _png_size(data: bytes) -> tuple[int, int]:
    if len(data) < 24:
        raise _truncated("PNG")
    if data[12:16] != b"IHDR":
        raise InputError("the reference PNG is corrupt: it does not start with a header chunk")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Walk the marker segments up to the first SOF (EXIF thumbnails are skipped whole)."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:  # stray bytes between segments: skipped, as libjpeg does
            i += 1
            continue
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker in _JPEG_STANDALONE:
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image / start of scan before any frame header
            raise InputError("the reference JPEG is corrupt: no frame header")
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _JPEG_SOF:
            if i + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    raise _truncated("JPEG")


def _webp_size(data: bytes) -> tuple[int, int]:
    if len(data) < 30:
        raise _truncated("WEBP")
    chunk = data[12:16]
    if chunk == b"VP8 ":  # lossy: key-frame start code, then 14-bit sizes
        if data[23:26] != b"\x9d\x01\x2a":
            raise InputError("the reference WEBP is corrupt: bad VP8 frame header")
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":  # lossless: signature byte, then 14-bit sizes minus one
        if data[20] != 0x2F:
            raise InputError("the reference WEBP is corrupt: bad VP8L signature")
        (bits,) = struct.unpack("<I", data[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":  # extended: 24-bit canvas sizes minus one
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    raise InputError("the reference WEBP is corrupt: unknown first chunk")


def header_size(data: bytes, fmt: str) -> tuple[int, int]:
    """(width, height) read from the header bytes alone; nothing is decoded."""
    reader = {"PNG": _png_size, "JPEG": _jpeg_size, "WEBP": _webp_size}[fmt]
    return reader(data)


def check_size(width: int, height: int, limits: MediaLimits) -> None:
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


@dataclass(frozen=True)
class Decoded:
    rgb: np.ndarray  # uint8 (H, W, 3), oriented, at most working_side_px on the long side
    alpha: np.ndarray | None  # uint8 (H, W) when the file had transparency
    original_size: tuple[int, int]
    fmt: str
    notes: tuple[str, ...] = field(default=())


def _to_srgb(image: Image.Image, notes: list[str]) -> Image.Image:
    """Convert embedded colour profiles (Display P3, Adobe RGB, CMYK) to sRGB."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    source = image.convert("RGB") if alpha is not None else image
    try:
        converted = ImageCms.profileToProfile(
            source,
            ImageCms.ImageCmsProfile(io.BytesIO(icc)),
            ImageCms.createProfile("sRGB"),
            outputMode="RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        notes.append("embedded colour profile unreadable; colours used as stored")
        return image
    if not isinstance(converted, Image.Image):
        return image
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def _eight_bit(image: Image.Image) -> Image.Image:
    """16/32-bit greyscale would clip to white in a plain convert(); rescale it first."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        array = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if image.mode != "F" and array.max() > 255 else max(1.0, array.max())
        return Image.fromarray(np.clip(array * (255.0 / peak), 0, 255).astype(np.uint8))
    return image


def _open_checked(data: bytes, fmt: str, limits: MediaLimits) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=[fmt])
    except Image.DecompressionBombError as exc:
        raise MediaTooLarge(f"the reference image looks like a decompression bomb ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error) as exc:
        raise InputError(f"the reference {fmt} is corrupt ({exc})") from exc
    # Second, per-call guard on the size PIL itself will decode (it may read a different
    # frame header than ours, and its own bomb check is a global that can be switched off).
    check_size(*image.size, limits)
    return image


def _screen(data: bytes, limits: MediaLimits) -> tuple[str, int, int]:
    """(format, width, height) from the bytes' length, magic and header alone."""
    if not data:
        raise InputError("the reference image is empty (0 bytes)")
    if len(data) > limits.max_file_bytes:
        raise MediaTooLarge(
            f"the reference image is {len(data)} bytes; the limit is {limits.max_file_bytes}"
        )
    fmt = sniff(data)
    width, height = header_size(data, fmt)
    check_size(width, height, limits)
    return fmt, width, height


# The formats a photo may come in: (media type, file extension) it is stored under.
PHOTO_TYPES = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
}


def check_image(data: bytes, limits: MediaLimits) -> tuple[str, int, int]:
    """Validate an upload without keeping its pixels (what a submission checks before it is
    accepted); (format, width, height). A bomb is refused from its header, before anything
    is decoded; then the file is read through to its end, so a truncated or corrupt one is
    refused too. Cheap: PNG chunks are CRC-checked, not inflated (~0.3 ms for 1 MB), a JPEG
    decodes at 1/8 scale (~10 ms for 12 MP); WEBP has no cheaper path than a decode."""
    fmt, width, height = _screen(data, limits)
    image = _open_checked(data, fmt, limits)
    try:
        if fmt == "PNG":
            image.verify()
        else:
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))  # JPEG only
            image.load()
    except (OSError, SyntaxError, ValueError, struct.error) as exc:
        raise InputError(f"the reference {fmt} is truncated or corrupt ({exc})") from exc
    finally:
        image.close()
    return fmt, width, height


def decode(data: bytes, limits: MediaLimits) -> Decoded:
    """Validate and decode the upload; raise a one-line InputError family error otherwise."""
    fmt, width, height = _screen(data, limits)
    image = _open_checked(data, fmt, limits)
    notes: list[str] = []
    if getattr(image, "n_frames", 1) > 1:
        notes.append("animated image: the first frame is used")
    scale = limits.working_side_px / max(image.size)
    if fmt == "JPEG" and scale < 1:
        # DCT-domain downscaling: a 40 MP JPEG decodes at 1/2..1/8 size, never below target.
        target = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image.draft(image.mode, target)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, struct.error) as exc:
        raise InputError(f"the reference {fmt} is truncated or corrupt ({exc})") from exc
    try:
        image = ImageOps.exif_transpose(image) or image
    except (OSError, SyntaxError, ValueError, TypeError, struct.error):
        notes.append("EXIF unreadable: orientation not applied")
    image = _to_srgb(_eight_bit(image), notes)
    has_alpha = image.has_transparency_data
    image = image.convert("RGBA" if has_alpha else "RGB")
    scale = limits.working_side_px / max(image.size)
    if scale < 1:
        image = image.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
            Image.Resampling.LANCZOS,
        )
    array = np.asarray(image)
    alpha = np.ascontiguousarray(array[..., 3]) if has_alpha else None
    rgb = np.ascontiguousarray(array[..., :3])
    return Decoded(rgb, alpha, (width, height), fmt, tuple(notes))


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    # Level 3 is ~4x faster than the default 6 for a few percent more bytes.
    Image.fromarray(array).save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def expand_box(
    bbox: tuple[int, int, int, int], size: tuple[int, int], margin: float
) -> tuple[int, int, int, int]:
    """bbox (x, y, w, h) grown by `margin` x its long side, clipped to size (w, h): x0,y0,x1,y1."""
    x, y, w, h = bbox
    pad = round(margin * max(w, h))
    return (max(0, x - pad), max(0, y - pad), min(size[0], x + w + pad), min(size[1], y + h + pad))


def cutout_rgba(rgb: np.ndarray, mask: MaskResult, *, usable: bool = True) -> np.ndarray:
    """RGBA crop around the product (small margin), alpha = the feathered mask; the whole
    photo, opaque, when the cut-out was refused (nothing downstream may show a torn cut)."""
    if not usable:
        return np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    x0, y0, x1, y1 = expand_box(mask.bbox, (rgb.shape[1], rgb.shape[0]), 0.02)
    return np.dstack([rgb[y0:y1, x0:x1], mask.mask[y0:y1, x0:x1]])


def _keep_text(found: list[tuple[str, float]]) -> list[str]:
    """Confident strings with at least two letters/digits (single glyphs are mostly noise)."""
    return [
        text.strip()
        for text, score in found
        if score >= MIN_TEXT_CONFIDENCE and sum(c.isalnum() for c in text) >= 2
    ]


class LocalIngestor:
    """The embedded default `ImageIngestor`: everything on this machine, no models fetched."""

    name = "local-ingest"

    def __init__(
        self,
        storage: Storage,
        limits: MediaLimits,
        ocr: TextReader,
        *,
        people: PeopleDetector | None = None,
        remover: BackgroundRemover | None = None,
        min_cutout_quality: float = 0.5,
    ) -> None:
        self.storage = storage
        self.limits = limits
        self.ocr = ocr
        self.cutouts = CutoutChooser(
            storage, threshold=min_cutout_quality, people=people, remover=remover
        )

    @staticmethod
    def _backdrop(rgb: np.ndarray, mask: MaskResult) -> str:
        # What lies outside a segmented product is the backdrop, even where the product
        # touches the border; an alpha cut-out or a full mask has only the border estimate.
        if mask.method in ("grabcut", "remover"):
            return backdrop_colour(rgb, mask.mask)
        return to_hex(mask.background)

    async def _read_product_text(self, rgb: np.ndarray, mask: MaskResult) -> list[str]:
        """A second OCR pass on a small product's own crop, where its lettering is bigger."""
        _, _, w, h = mask.bbox
        if mask.method == "full" or w * h >= CROP_OCR_BELOW * rgb.shape[0] * rgb.shape[1]:
            return []
        x0, y0, x1, y1 = expand_box(mask.bbox, (rgb.shape[1], rgb.shape[0]), 0.1)
        return _keep_text(await self.ocr.read(rgb[y0:y1, x0:x1], LABEL_MAX_SIDE))

    async def ingest(self, data: bytes, *, source_name: str = "") -> ProductProfile:
        decoded = await asyncio.to_thread(decode, data, self.limits)
        rgb = decoded.rgb
        h, w = rgb.shape[:2]
        normalized = await self.storage.put_bytes(
            await asyncio.to_thread(_png, rgb),
            kind="normalized",
            mime="image/png",
            ext="png",
            width=w,
            height=h,
        )
        # OCR of the whole photo needs no mask: run it beside the (single-threaded) GrabCut.
        chosen, found = await asyncio.gather(
            self.cutouts.choose(rgb, decoded.alpha, normalized),
            self.ocr.read_boxes(rgb, LABEL_MAX_SIDE),
        )
        mask = chosen.mask
        product_mask = mask.mask if chosen.quality.passed and mask.method != "full" else None
        palette, backdrop, cutout, on_product, detail = await asyncio.gather(
            asyncio.to_thread(dominant_colours, rgb, mask.mask),
            asyncio.to_thread(self._backdrop, rgb, mask),
            asyncio.to_thread(cutout_rgba, rgb, mask, usable=chosen.quality.passed),
            self._read_product_text(rgb, mask),
            asyncio.to_thread(detail_region, rgb, mask.bbox, product_mask),
        )
        # Case-insensitive de-duplication, first spelling wins.
        unique: dict[str, str] = {}
        for text in _keep_text([(t, s) for t, s, _ in found]) + on_product:
            unique.setdefault(text.casefold(), text)
        detected = tuple(unique.values())
        cutout_png = await asyncio.to_thread(_png, cutout)
        cut = await self.storage.put_bytes(
            cutout_png,
            kind="cutout",
            mime="image/png",
            ext="png",
            width=cutout.shape[1],
            height=cutout.shape[0],
        )
        ow, oh = decoded.original_size
        source = f" ({source_name})" if source_name else ""
        notes = (
            f"{decoded.fmt} {ow}x{oh}{source}, working copy {w}x{h}",
            *decoded.notes,
            f"mask by {mask.method}, product covers {mask.coverage:.0%} of the frame",
            *((mask.note,) if mask.note else ()),
            *chosen.notes,
            f"label text: {', '.join(detected) if detected else 'none found'}",
        )
        return ProductProfile(
            normalized=normalized,
            cutout=cut,
            width=w,
            height=h,
            bbox=mask.bbox,
            palette=palette,
            background=backdrop,
            detected_text=detected,
            mask_method=mask.method,
            mask_coverage=round(mask.coverage, 4),
            notes=notes,
            cutout_quality=chosen.quality,
            layout=chosen.layout,
            detail_box=detail,
            text_boxes=text_lines(found, MIN_TEXT_CONFIDENCE),
        )
