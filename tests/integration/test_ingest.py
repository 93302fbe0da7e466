"""LocalIngestor end to end on procedurally made photos (real RapidOCR, real storage),
the upload guards, and OCR read-back of rendered captions."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from aistudio.artifacts import ProductProfile
from aistudio.errors import InputError, MediaTooLarge, UnsupportedMedia
from aistudio.settings import MediaLimits
from aistudio.tools.render.fonts import font
from aistudio.tools.storage.local import LocalStorage
from aistudio.tools.vision.ingest import LocalIngestor
from aistudio.tools.vision.ocr import TextReader, text_similarity
from aistudio.tools.vision.palette import hex_to_rgb
from tests.unit.test_vision import (
    PRODUCT_BOX,
    encode,
    iou,
    png_header,
    product_layer,
    product_photo,
    scene,
)


@pytest.fixture(scope="module")
def reader() -> TextReader:
    return TextReader()  # one OCR engine for the module: the model loads once


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


@pytest.fixture
def ingestor(storage: LocalStorage, reader: TextReader) -> LocalIngestor:
    return LocalIngestor(storage, MediaLimits(), reader)


async def _image(storage: LocalStorage, profile: ProductProfile, which: str) -> Image.Image:
    asset = profile.normalized if which == "normalized" else profile.cutout
    with Image.open(await storage.path_of(asset)) as im:
        im.load()
        return im


def _half(image: Image.Image, factor: int = 2) -> Image.Image:
    size = (image.width // factor, image.height // factor)
    return image.resize(size, Image.Resampling.LANCZOS)


# -- happy paths --------------------------------------------------------------------------
async def test_png_product_photo(ingestor: LocalIngestor, storage: LocalStorage) -> None:
    data = encode(product_photo(), "PNG")
    started = time.perf_counter()
    profile = await ingestor.ingest(data, source_name="aurora.png")
    print(
        f"\ningest 1024x1280 PNG: {time.perf_counter() - started:.2f} s "
        f"(includes the OCR model load); {profile.notes}"
    )
    assert (profile.width, profile.height) == (1024, 1280)
    assert profile.mask_method == "grabcut"
    x0, y0, x1, y1 = PRODUCT_BOX
    assert iou(profile.bbox, (x0, y0, x1 - x0, y1 - y0)) > 0.85
    assert 0.1 < profile.mask_coverage < 0.2
    r, g, b = hex_to_rgb(profile.palette[0])
    assert r > 120, profile.palette
    assert r > 2.5 * max(g, b), profile.palette
    assert (
        max(
            abs(c - d) for c, d in zip(hex_to_rgb(profile.background), (234, 231, 226), strict=True)
        )
        <= 4
    )
    assert "AURORA" in profile.detected_text
    assert any("mask by grabcut" in n for n in profile.notes)
    normalized = await _image(storage, profile, "normalized")
    assert (normalized.format, normalized.mode, normalized.size) == ("PNG", "RGB", (1024, 1280))
    assert profile.normalized.kind == "normalized"
    assert profile.normalized.width == 1024
    cutout = await _image(storage, profile, "cutout")
    assert cutout.mode == "RGBA"
    assert profile.cutout.width == cutout.width
    assert cutout.width < 0.4 * 1024
    alpha = np.asarray(cutout)[..., 3]
    assert alpha[alpha.shape[0] // 2, alpha.shape[1] // 2] == 255
    assert alpha[0, 0] < 30  # the margin around the product is transparent


async def test_jpeg_exif_orientation_is_applied(
    ingestor: LocalIngestor, storage: LocalStorage
) -> None:
    # Stored sideways, as a phone held in portrait does it, with orientation 6 in EXIF
    # ("rotate 90 degrees clockwise to display").
    sideways = _half(product_photo()).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(sideways, "JPEG", quality=92, exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).size == (640, 512)
    profile = await ingestor.ingest(data, source_name="IMG_0001.jpg")
    assert (profile.width, profile.height) == (512, 640)
    x0, y0, x1, y1 = (v // 2 for v in PRODUCT_BOX)  # upright again: not sideways, not flipped
    assert iou(profile.bbox, (x0, y0, x1 - x0, y1 - y0)) > 0.8
    assert "AURORA" in profile.detected_text  # OCR only reads upright text
    assert (await _image(storage, profile, "normalized")).size == (512, 640)


async def test_webp_is_accepted(ingestor: LocalIngestor) -> None:
    profile = await ingestor.ingest(encode(_half(product_photo(), 4), "WEBP", quality=90))
    assert (profile.width, profile.height) == (256, 320)
    assert profile.mask_method == "grabcut"
    assert profile.notes[0].startswith("WEBP 256x320")


async def test_transparent_png_uses_its_alpha(
    ingestor: LocalIngestor, storage: LocalStorage
) -> None:
    layer = _half(product_layer(), 4)
    profile = await ingestor.ingest(encode(layer, "PNG"))
    assert profile.mask_method == "alpha"
    opaque = float((np.asarray(layer)[..., 3] > 127).mean())
    assert abs(profile.mask_coverage - opaque) < 0.01
    assert profile.background == "#ffffff"  # a cut-out has no backdrop to report
    normalized = await _image(storage, profile, "normalized")
    assert normalized.mode == "RGB"  # the working copy is RGB; alpha lives in the cutout
    cut_alpha = np.asarray(await _image(storage, profile, "cutout"))[..., 3]
    assert cut_alpha.min() == 0
    assert cut_alpha.max() == 255


async def test_large_photo_is_downscaled_to_the_working_size(
    storage: LocalStorage, reader: TextReader
) -> None:
    limits = MediaLimits(working_side_px=400)
    profile = await LocalIngestor(storage, limits, reader).ingest(
        encode(product_photo(), "JPEG", quality=85)
    )
    assert (profile.width, profile.height) == (320, 400)
    assert profile.notes[0].startswith("JPEG 1024x1280")


# -- guards ---------------------------------------------------------------------------------
def _text_file() -> bytes:
    return b"name,price\nAurora,49\n" * 20


def _truncated_png() -> bytes:
    data = encode(product_photo(), "PNG")
    return data[: len(data) * 6 // 10]


def _jpeg_bomb() -> bytes:
    """SOI, then a baseline SOF0 claiming 60000 x 60000, then nothing useful."""
    sof = (
        b"\xff\xc0\x00\x11\x08"
        + (60000).to_bytes(2, "big") * 2
        + b"\x03"
        + b"\x01\x22\x00"
        + b"\x02\x11\x01"
        + b"\x03\x11\x01"
    )
    return b"\xff\xd8" + sof + b"\xff\xd9"


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: b"", InputError, "empty"),
        (_text_file, UnsupportedMedia, "PNG, JPEG or WEBP"),
        (lambda: encode(Image.new("RGB", (300, 300)), "GIF"), UnsupportedMedia, "PNG, JPEG"),
        (_truncated_png, InputError, "truncated"),
        (lambda: png_header(50_000, 50_000), MediaTooLarge, "50000x50000"),
        (_jpeg_bomb, MediaTooLarge, "60000x60000"),
        (lambda: encode(Image.new("RGB", (40, 300)), "PNG"), InputError, "at least 64"),
        (lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, InputError, "corrupt"),
    ],
)
async def test_bad_uploads_are_refused(
    ingestor: LocalIngestor, make: object, error: type[Exception], words: str
) -> None:
    assert callable(make)
    data = make()
    started = time.perf_counter()
    with pytest.raises(error) as caught:
        await ingestor.ingest(data, source_name="photo.png")
    assert time.perf_counter() - started < 1.0
    message = str(caught.value)
    assert words in message, message
    assert "\n" not in message
    if error is InputError:
        assert not isinstance(caught.value, MediaTooLarge | UnsupportedMedia)


async def test_size_cap_on_bytes(storage: LocalStorage, reader: TextReader) -> None:
    ingestor = LocalIngestor(storage, MediaLimits(max_file_bytes=10_000), reader)
    with pytest.raises(MediaTooLarge, match="limit is 10000"):
        await ingestor.ingest(encode(product_photo(), "PNG"))


async def test_pixel_cap_holds_even_with_pil_guard_disabled(
    storage: LocalStorage, reader: TextReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Some library in the process may switch PIL's own bomb check off; ours is per call.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    ingestor = LocalIngestor(storage, MediaLimits(max_pixels=1_000_000), reader)
    with pytest.raises(MediaTooLarge, match="2000x2000"):
        await ingestor.ingest(png_header(2000, 2000))
    with pytest.raises(MediaTooLarge):
        await ingestor.ingest(encode(product_photo(), "WEBP", quality=50))


# -- OCR of captions ------------------------------------------------------------------------
def _caption_frame(text: str, px: int) -> np.ndarray:
    frame = Image.fromarray(scene((1080, 1920), seed=3))
    draw = ImageDraw.Draw(frame)
    face = font(px, "Black")
    draw.text(((1080 - face.getlength(text)) / 2, 1500), text, font=face, fill=(255, 250, 240))
    return np.asarray(frame).copy()


async def test_ocr_reads_a_rendered_caption(reader: TextReader) -> None:
    started = time.perf_counter()
    found = await reader.read(_caption_frame("SHOP NOW", 120))
    again = await reader.read(_caption_frame("Golden hour, bottled.", 64))
    print(f"\nOCR of two 1080x1920 frames: {time.perf_counter() - started:.2f} s {found} {again}")
    assert text_similarity("SHOP NOW", [t for t, _ in found]) >= 0.8
    assert text_similarity("Golden hour, bottled.", [t for t, _ in again]) >= 0.8
    assert text_similarity("SHOP NOW", [t for t, _ in again]) < 0.5
    assert all(0.0 <= score <= 1.0 for _, score in found + again)
