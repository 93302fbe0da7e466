"""`check_image`: what a submission verifies before it is accepted (no pixels kept)."""

from __future__ import annotations

import time

import pytest
from PIL import Image

from aistudio.errors import InputError, MediaTooLarge, UnsupportedMedia
from aistudio.settings import MediaLimits
from aistudio.tools.vision.ingest import check_image
from tests.unit.test_vision import encode, png_header

LIMITS = MediaLimits()


@pytest.fixture(scope="module")
def picture() -> Image.Image:
    image = Image.linear_gradient("L").resize((640, 480)).convert("RGB")
    return Image.merge(
        "RGB", (image.getchannel(0), image.rotate(90).getchannel(0), image.getchannel(0))
    )


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_whole_images_pass_with_their_size(picture: Image.Image, fmt: str) -> None:
    assert check_image(encode(picture, fmt), LIMITS) == (fmt, 640, 480)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_truncated_images_are_input_errors(picture: Image.Image, fmt: str) -> None:
    data = encode(picture, fmt)
    for cut in (len(data) // 2, len(data) - 30):
        with pytest.raises(InputError, match=f"{fmt}.*(truncated|corrupt)") as raised:
            check_image(data[:cut], LIMITS)
        assert not isinstance(raised.value, MediaTooLarge)


def test_a_bomb_is_refused_from_its_header_at_once() -> None:
    started = time.perf_counter()
    with pytest.raises(MediaTooLarge, match="30000x30000"):
        check_image(png_header(30_000, 30_000), LIMITS)
    assert time.perf_counter() - started < 0.05


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n<!doctype html><html><body>hello</body></html>",
        b"\xff\xd8\xff<!doctype html><html><body>hello</body></html>",
        b"RIFF\x00\x10\x00\x00WEBP<!doctype html><html><body>hello</body></html>",
    ],
)
def test_magic_followed_by_something_else_is_an_input_error(data: bytes) -> None:
    with pytest.raises(InputError) as raised:
        check_image(data, LIMITS)
    assert not isinstance(raised.value, (MediaTooLarge, UnsupportedMedia))


def test_other_types_and_empty_files_are_refused(picture: Image.Image) -> None:
    with pytest.raises(UnsupportedMedia):
        check_image(encode(picture, "GIF"), LIMITS)
    with pytest.raises(InputError, match="empty"):
        check_image(b"", LIMITS)


def test_a_corrupt_png_chunk_is_caught_by_its_crc(picture: Image.Image) -> None:
    data = bytearray(encode(picture, "PNG"))
    data[len(data) // 2] ^= 0xFF  # one flipped byte inside the image data
    with pytest.raises(InputError, match="PNG"):
        check_image(bytes(data), LIMITS)
