"""Vision tools on procedurally made photos: header sniffing, mask, palette, sharpness,
caption similarity and SIFT product fidelity (no ONNX models here; see integration/)."""

from __future__ import annotations

import io
import struct
import time
import zlib
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image, ImageCms, ImageDraw, ImageFilter

from aistudio.errors import InputError, UnsupportedMedia
from aistudio.settings import MediaLimits
from aistudio.tools.render.fonts import Weight, font
from aistudio.tools.vision.fidelity import FidelityScorer
from aistudio.tools.vision.ingest import decode, header_size, sniff
from aistudio.tools.vision.mask import product_mask
from aistudio.tools.vision.ocr import normalise, text_similarity
from aistudio.tools.vision.palette import dominant_colours, hex_to_rgb
from aistudio.tools.vision.sharpness import sharpness

BACKDROP = (234, 231, 226)
PRODUCT_BOX = (382, 300, 642, 1060)  # x0, y0, x1, y1 of the bottle in a 1024 x 1280 photo


# -- procedural photos (shared with the integration tests) -----------------------------------
def product_layer(
    body: tuple[int, int, int] = (196, 28, 40),
    name: str = "AURORA",
    size: tuple[int, int] = (1024, 1280),
) -> Image.Image:
    """A perfume-like bottle with a lettered label on a transparent canvas (RGBA)."""
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    x0, y0, x1, y1 = PRODUCT_BOX
    draw.rectangle((x0 + 80, y0, x1 - 80, y0 + 110), fill=(201, 164, 84, 255))  # cap
    draw.rectangle((x0 + 96, y0 + 12, x0 + 104, y0 + 100), fill=(240, 220, 160, 255))
    draw.rounded_rectangle((x0, y0 + 110, x1, y1), radius=48, fill=(*body, 255))
    # Vertical shading so the body is not a flat fill (real products never are).
    shade = np.asarray(layer).astype(np.float32)
    xs = np.linspace(-1, 1, x1 - x0)
    factor = (0.72 + 0.28 * np.sqrt(np.clip(1 - xs**2, 0, 1)))[None, :, None]
    region = shade[y0 + 110 : y1, x0:x1, :3]
    shade[y0 + 110 : y1, x0:x1, :3] = region * factor
    layer = Image.fromarray(shade.astype(np.uint8))
    draw = ImageDraw.Draw(layer)
    lx0, ly0, lx1, ly1 = x0 + 28, y0 + 330, x1 - 28, y0 + 640
    draw.rectangle((lx0, ly0, lx1, ly1), fill=(246, 242, 232, 255))
    draw.rectangle((lx0 + 8, ly0 + 8, lx1 - 8, ly1 - 8), outline=(150, 120, 60, 255), width=3)
    cx = (lx0 + lx1) / 2

    def centred(text: str, y: float, px: int, weight: Weight, fill: tuple[int, int, int]) -> None:
        face = font(px, weight)
        draw.text((cx - face.getlength(text) / 2, y), text, font=face, fill=(*fill, 255))

    centred(name, ly0 + 40, 58, "Black", (30, 24, 20))
    centred("EAU DE TOILETTE", ly0 + 120, 24, "Bold", (90, 70, 40))
    centred("Bergamot · Cedar · Amber", ly0 + 170, 20, "Regular", (60, 50, 40))
    for i in range(7):  # a little ornament row: fine detail for feature matching
        cxi = lx0 + 34 + i * 26
        draw.polygon(
            [(cxi, ly0 + 230), (cxi + 9, ly0 + 240), (cxi, ly0 + 250), (cxi - 9, ly0 + 240)],
            fill=(150, 120, 60, 255),
        )
    centred("100 ml  3.4 FL OZ", ly0 + 262, 20, "Bold", (60, 50, 40))
    return layer


def jar_layer(size: tuple[int, int] = (1024, 1280)) -> Image.Image:
    """A different product: a wide cream jar with its own lettering (RGBA)."""
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.rounded_rectangle((300, 520, 724, 600), radius=16, fill=(40, 44, 52, 255))  # lid
    draw.rounded_rectangle((280, 600, 744, 900), radius=36, fill=(226, 214, 236, 255))
    lines: tuple[tuple[str, int, Weight, int], ...] = (
        ("SOLSTICE", 64, "Black", 640),
        ("night cream", 34, "Bold", 730),
        ("renew while you sleep", 22, "Regular", 780),
    )
    for line, px, weight, y in lines:
        face = font(px, weight)
        draw.text((512 - face.getlength(line) / 2, y), line, font=face, fill=(70, 40, 90, 255))
    for i in range(9):
        draw.ellipse((330 + i * 42, 850, 344 + i * 42, 864), fill=(120, 90, 150, 255))
    return layer


def product_photo(
    body: tuple[int, int, int] = (196, 28, 40),
    name: str = "AURORA",
    size: tuple[int, int] = (1024, 1280),
) -> Image.Image:
    """The bottle on a plain studio backdrop with a soft contact shadow (RGB)."""
    canvas = Image.new("RGB", size, BACKDROP)
    shadow = Image.new("L", size, 0)
    x0, _, x1, y1 = PRODUCT_BOX
    ImageDraw.Draw(shadow).ellipse((x0 - 30, y1 - 30, x1 + 30, y1 + 40), fill=110)
    canvas.paste((70, 64, 58), (0, 0), shadow.filter(ImageFilter.GaussianBlur(18)))
    layer = product_layer(body, name, size)
    canvas.paste(layer, (0, 0), layer)
    return canvas


def scene(size: tuple[int, int], seed: int = 1) -> np.ndarray:
    """A dark graded backdrop with soft bokeh discs (some texture, no product)."""
    w, h = size
    t = np.linspace(0, 1, h)[:, None, None]
    grad = np.array([46, 38, 60]) * (1 - t) + np.array([14, 12, 20]) * t
    image = Image.fromarray(np.repeat(grad, w, axis=1).astype(np.uint8))
    rng = np.random.default_rng(seed)
    glow = Image.new("L", size, 0)
    draw = ImageDraw.Draw(glow)
    for _ in range(14):
        cx, cy, r = (int(v) for v in (rng.integers(0, w), rng.integers(0, h), rng.integers(20, 90)))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=int(rng.integers(30, 90)))
    image.paste((230, 190, 140), (0, 0), glow.filter(ImageFilter.GaussianBlur(6)))
    # A caption in the same font as the label: chance glyph matches must not add up.
    draw = ImageDraw.Draw(image)
    caption = font(max(24, w // 18), "Bold")
    line = "Made for evenings out"
    draw.text(
        ((w - caption.getlength(line)) / 2, h * 0.86), line, font=caption, fill=(250, 246, 236)
    )
    return np.asarray(image).copy()


def place(
    frame: np.ndarray,
    layer: Image.Image,
    height_frac: float,
    angle: float = 0.0,
    grade: bool = True,
) -> np.ndarray:
    """Composite the product cut-out at `height_frac` of the frame height, rotated, graded."""
    cut = layer.crop(layer.getbbox())
    scale = height_frac * frame.shape[0] / cut.height
    cut = cut.resize(
        (round(cut.width * scale), round(cut.height * scale)), Image.Resampling.LANCZOS
    ).rotate(angle, Image.Resampling.BICUBIC, expand=True)
    out = Image.fromarray(frame)
    out.paste(cut, ((out.width - cut.width) // 2, (out.height - cut.height) // 2), cut)
    array = np.asarray(out).astype(np.float32)
    if grade:  # warm, lifted-contrast "luxurious" grade
        array = np.clip((array / 255.0) ** 0.9 * 255 * np.array([1.08, 1.0, 0.88]), 0, 255)
    return array.astype(np.uint8)


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ax0, ay0, ax1, ay1 = a[0], a[1], a[0] + a[2], a[1] + a[3]
    bx0, by0, bx1, by1 = b[0], b[1], b[0] + b[2], b[1] + b[3]
    inter = max(0, min(ax1, bx1) - max(ax0, bx0)) * max(0, min(ay1, by1) - max(ay0, by0))
    return inter / ((ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter)


def png_header(width: int, height: int) -> bytes:
    """A syntactically valid PNG that claims `width` x `height` (one tiny IDAT)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return np.asarray(product_photo())


@pytest.fixture(scope="module")
def photo_mask(photo: np.ndarray) -> np.ndarray:
    return product_mask(photo).mask


# -- sniffing and header-only sizes ---------------------------------------------------------
def test_sniff_uses_magic_bytes_not_names() -> None:
    small = Image.new("RGB", (80, 64), (10, 20, 30))
    assert sniff(encode(small, "PNG")) == "PNG"
    assert sniff(encode(small, "JPEG")) == "JPEG"
    assert sniff(encode(small, "WEBP")) == "WEBP"
    for data in (
        b"hello, I am a text file pretending to be a .png\n",
        encode(small, "GIF"),
        encode(small, "BMP"),
        b"",
    ):
        with pytest.raises(UnsupportedMedia):
            sniff(data)


@pytest.mark.parametrize(
    ("fmt", "options", "mode"),
    [
        ("PNG", {}, "RGB"),
        ("JPEG", {"quality": 80}, "RGB"),
        ("JPEG", {"progressive": True}, "RGB"),
        ("WEBP", {"quality": 80}, "RGB"),
        ("WEBP", {"lossless": True}, "RGB"),
        ("WEBP", {"quality": 80}, "RGBA"),
    ],
)
def test_header_size_matches_the_encoded_size(fmt: str, options: dict[str, Any], mode: str) -> None:
    image = Image.new(mode, (333, 217), (200, 10, 10) if mode == "RGB" else (200, 10, 10, 128))
    data = encode(image, fmt, **options)
    assert header_size(data, sniff(data)) == (333, 217)


def test_header_size_reads_bomb_claims_without_decoding() -> None:
    started = time.perf_counter()
    assert header_size(png_header(50_000, 50_000), "PNG") == (50_000, 50_000)
    assert time.perf_counter() - started < 0.01


def test_truncated_headers_are_input_errors() -> None:
    data = encode(Image.new("RGB", (100, 100)), "JPEG")
    for fmt, cut in (
        ("PNG", png_header(10, 10)[:20]),
        ("JPEG", data[:12]),
        ("WEBP", encode(Image.new("RGB", (100, 100)), "WEBP")[:16]),
    ):
        with pytest.raises(InputError):
            header_size(cut, fmt)


# -- decoding odd but valid files --------------------------------------------------------------
def test_decode_sixteen_bit_grey_is_not_clipped_to_white() -> None:
    grey = Image.fromarray(np.full((100, 120), 32768, np.uint16))
    decoded = decode(encode(grey, "PNG"), MediaLimits())
    assert decoded.rgb.shape == (100, 120, 3)
    assert 110 < int(decoded.rgb.mean()) < 145


def test_decode_cmyk_jpeg_and_colour_profiles() -> None:
    cmyk = Image.new("CMYK", (120, 100), (0, 255, 255, 0))  # process red
    r, g, b = decode(encode(cmyk, "JPEG", quality=95), MediaLimits()).rgb[50, 60]
    assert r > 200
    assert max(g, b) < 80
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()  # type: ignore[no-untyped-call]
    tagged = decode(
        encode(Image.new("RGB", (120, 100), (200, 30, 40)), "PNG", icc_profile=srgb), MediaLimits()
    )
    assert np.abs(tagged.rgb[0, 0].astype(int) - (200, 30, 40)).max() <= 3
    assert tagged.notes == ()
    junk = decode(
        encode(Image.new("RGB", (120, 100)), "PNG", icc_profile=b"junk" * 40), MediaLimits()
    )
    assert any("colour profile" in note for note in junk.notes)


def test_decode_keeps_palette_transparency_and_notes_animation() -> None:
    palette = Image.new("P", (100, 100), 0)
    palette.putpalette([255, 255, 255, 200, 20, 20] + [0] * 762)
    ImageDraw.Draw(palette).rectangle((30, 30, 70, 70), fill=1)
    decoded = decode(encode(palette, "PNG", transparency=0), MediaLimits())
    assert decoded.alpha is not None
    assert decoded.alpha[0, 0] == 0
    assert decoded.alpha[50, 50] == 255
    frames = [Image.new("RGB", (100, 100), c) for c in ((200, 0, 0), (0, 0, 200))]
    animated = decode(
        encode(frames[0], "WEBP", save_all=True, append_images=frames[1:]), MediaLimits()
    )
    assert any("animated" in note for note in animated.notes)
    assert animated.rgb[50, 50, 0] > 150  # the first frame


# -- mask -------------------------------------------------------------------------------------
def test_mask_finds_the_product_and_ignores_its_shadow(photo: np.ndarray) -> None:
    found = product_mask(photo)
    x0, y0, x1, y1 = PRODUCT_BOX
    assert found.method == "grabcut"
    assert iou(found.bbox, (x0, y0, x1 - x0, y1 - y0)) > 0.85, found.bbox
    drawn = (x1 - x0) * (y1 - y0) / (photo.shape[0] * photo.shape[1])
    assert 0.8 * drawn < found.coverage < 1.1 * drawn
    assert found.mask[y0 + 500, (x0 + x1) // 2] == 255  # the label is product, not a hole
    assert found.mask[y1 + 25, (x0 + x1) // 2] < 128  # the contact shadow is not
    assert np.abs(np.array(found.background) - BACKDROP).max() <= 4


def _wood(size: tuple[int, int]) -> np.ndarray:
    w, h = size
    y, x = np.arange(h)[:, None], np.arange(w)[None, :]
    grain = (120 + 40 * np.sin(x / 9.0 + 3 * np.sin(y / 60.0)))[..., None]
    noise = np.random.default_rng(0).normal(0, 12, (h, w, 3))
    wood: np.ndarray = np.clip(grain * np.array([1.0, 0.75, 0.5]) + noise, 0, 255)
    return wood.astype(np.uint8)


@pytest.mark.parametrize("backdrop", ["wood", "bokeh"])
def test_mask_on_a_scene_backdrop(backdrop: str) -> None:
    canvas = Image.fromarray(_wood((1024, 1280)) if backdrop == "wood" else scene((1024, 1280)))
    layer = product_layer()
    canvas.paste(layer, (0, 0), layer)
    found = product_mask(np.asarray(canvas))
    x0, y0, x1, y1 = PRODUCT_BOX
    assert found.method == "grabcut"
    assert iou(found.bbox, (x0, y0, x1 - x0, y1 - y0)) > 0.85, (found.bbox, found.note)
    if backdrop == "wood":
        assert "busy backdrop" in found.note


def test_mask_falls_back_to_full_on_a_blank_photo() -> None:
    found = product_mask(np.full((300, 400, 3), 128, np.uint8))
    assert found.method == "full"
    assert found.coverage == 1.0
    assert found.bbox == (0, 0, 400, 300)


def test_mask_uses_meaningful_alpha_only() -> None:
    layer = np.asarray(product_layer())
    found = product_mask(np.ascontiguousarray(layer[..., :3]), layer[..., 3])
    assert found.method == "alpha"
    opaque = np.full(layer.shape[:2], 255, np.uint8)
    assert product_mask(np.asarray(product_photo()), opaque).method == "grabcut"


# -- palette ----------------------------------------------------------------------------------
def test_palette_leads_with_the_product_colour(photo: np.ndarray, photo_mask: np.ndarray) -> None:
    mask = photo_mask
    palette = dominant_colours(photo, mask)
    r, g, b = hex_to_rgb(palette[0])
    assert r > 120, palette
    assert r > 2.5 * max(g, b), palette
    assert dominant_colours(photo, mask) == palette  # deterministic
    assert len(set(palette)) == len(palette) <= 6


def test_palette_of_a_blue_product() -> None:
    image = np.asarray(product_photo(body=(30, 60, 170)))
    r, _g, b = hex_to_rgb(dominant_colours(image, product_mask(image).mask)[0])
    assert b > 110
    assert b > 1.8 * r


# -- sharpness --------------------------------------------------------------------------------
def test_sharpness_drops_with_blur_and_ignores_resolution(photo: np.ndarray) -> None:
    sharp = sharpness(photo)
    blurred = sharpness(cv2.GaussianBlur(photo, (0, 0), 4))
    assert blurred < 0.25 * sharp, (sharp, blurred)
    doubled = sharpness(cv2.resize(photo, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))
    assert 0.6 * sharp < doubled < 1.6 * sharp, (sharp, doubled)


# -- caption similarity (pure) ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("expected", "found", "low", "high"),
    [
        ("Shop now", ["SHOP NOW"], 1.0, 1.0),
        ("Shop now!", ["shop", "now"], 1.0, 1.0),
        ("Shop now", ["SHOPNOW"], 1.0, 1.0),
        ("Golden hour, bottled.", ["Go1den hour, bottled"], 0.85, 1.0),
        ("Crafted for the golden hour", ["AURUM", "Crafted for the", "golden hour"], 1.0, 1.0),
        ("Shop now", ["SHOP"], 0.0, 0.59),
        ("Crafted for the golden hour", ["nothing like it"], 0.0, 0.35),
        ("Shop now", [], 0.0, 0.0),
        ("Crème brûlée", ["CREME BRULEE"], 1.0, 1.0),
    ],
)
def test_text_similarity(expected: str, found: list[str], low: float, high: float) -> None:
    assert low <= text_similarity(expected, found) <= high


def test_normalise() -> None:
    assert normalise("  Eau-de-PARFUM,  50ml! ") == "eau de parfum 50ml"


# -- fidelity ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scorer(photo: np.ndarray, photo_mask: np.ndarray) -> FidelityScorer:
    return FidelityScorer.from_mask(photo, photo_mask)


@pytest.mark.parametrize(
    ("size", "height_frac", "angle"),
    # Frames at the 720p analysis size: the scorer resamples anything else to it anyway.
    [
        ((720, 1280), 0.3, 4.0),
        ((720, 1280), 0.6, -6.0),
        ((1280, 720), 0.45, 3.0),
        ((720, 720), 0.5, 0.0),
    ],
)
def test_fidelity_separates_frames_with_and_without_the_product(
    scorer: FidelityScorer, size: tuple[int, int], height_frac: float, angle: float
) -> None:
    backdrop = scene(size)
    with_product = scorer.score(place(backdrop, product_layer(), height_frac, angle))
    without = scorer.score(place(backdrop, Image.new("RGBA", (8, 8)), 0.01, grade=True))
    other = scorer.score(place(backdrop, jar_layer(), height_frac * 0.6))
    print(
        f"\nfidelity {size} {height_frac:.0%} {angle:+.0f}deg: with={with_product} "
        f"without={without} other-product={other}"
    )
    assert with_product.inliers >= 30
    assert with_product.score >= 0.75
    assert without.inliers < 12
    assert without.score < 0.3
    assert other.inliers < 12
    assert other.score < 0.3


def test_fidelity_scorer_without_features_scores_zero() -> None:
    flat = np.dstack([np.full((200, 100, 3), 90, np.uint8), np.full((200, 100), 255, np.uint8)])
    empty = FidelityScorer(flat)
    assert empty.reference_features < 4
    assert empty.score(scene((640, 360))).score == 0.0
