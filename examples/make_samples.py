"""Make the three sample product photos procedurally (deterministic; no downloads).

    .venv/bin/python examples/make_samples.py

Each is a plausible studio product shot on a plain light backdrop, with label text and
enough fine detail (lettering, patterns, stitching) for feature matching.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from aistudio.tools.render.fonts import font

HERE = Path(__file__).resolve().parent
SIZE = (1024, 1280)


def _backdrop(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    w, h = SIZE
    t = np.linspace(0, 1, h)[:, None, None]
    grad = np.array(top) * (1 - t) + np.array(bottom) * t
    rng = np.random.default_rng(7)
    grain = rng.normal(0, 1.2, (h, w, 1))
    return Image.fromarray(np.clip(grad + grain, 0, 255).astype(np.uint8))


def _shadow(canvas: Image.Image, box: tuple[int, int, int, int], strength: int) -> None:
    mask = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(mask).ellipse(box, fill=strength)
    mask = mask.filter(ImageFilter.GaussianBlur(28))
    canvas.paste((40, 34, 30), (0, 0), mask)


def _vertical_shade(
    size: tuple[int, int], base: tuple[int, int, int], highlight: float = 0.45
) -> Image.Image:
    """A cylinder-like horizontal shading with a specular streak."""
    w, h = size
    x = np.linspace(-1, 1, w)
    shade = 0.55 + 0.45 * np.sqrt(np.clip(1 - x**2, 0, 1))
    streak = highlight * np.exp(-(((x + 0.45) / 0.07) ** 2))
    row = np.clip(np.array(base)[None, :] * shade[:, None] + 255 * streak[:, None], 0, 255)
    return Image.fromarray(np.repeat(row[None, :, :], h, axis=0).astype(np.uint8))


def _centered(
    draw: ImageDraw.ImageDraw,
    cx: float,
    y: float,
    text: str,
    size: int,
    weight: str,
    fill: tuple[int, int, int],
) -> None:
    face = font(size, weight)
    draw.text((cx - face.getlength(text) / 2, y), text, font=face, fill=fill)


def perfume() -> Image.Image:
    canvas = _backdrop((236, 232, 226), (214, 208, 200))
    _shadow(canvas, (290, 1080, 740, 1160), 150)
    body = _vertical_shade((420, 560), (196, 132, 52))
    mask = Image.new("L", body.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, 419, 559), radius=60, fill=255)
    canvas.paste(body, (302, 540), mask)
    neck = _vertical_shade((110, 60), (170, 120, 60))
    canvas.paste(neck, (457, 482))
    cap = _vertical_shade((200, 190), (205, 165, 70), highlight=0.6)
    cmask = Image.new("L", cap.size, 0)
    ImageDraw.Draw(cmask).rounded_rectangle((0, 0, 199, 189), radius=18, fill=255)
    canvas.paste(cap, (412, 296), cmask)
    draw = ImageDraw.Draw(canvas)
    for k in range(12):  # knurling on the cap
        x = 420 + k * 16
        draw.line((x, 306, x, 476), fill=(150, 112, 40), width=2)
    draw.rounded_rectangle(
        (352, 660, 672, 960), radius=10, fill=(246, 238, 220), outline=(176, 140, 60), width=5
    )
    draw.rectangle((366, 674, 658, 946), outline=(196, 160, 80), width=2)
    for k in range(9):  # guilloche band: fine texture for feature matching
        y = 900 + k * 4
        pts = [(372 + i * 6, y + 3 * math.sin(i * 0.9 + k)) for i in range(48)]
        draw.line(pts, fill=(190, 150, 70), width=1)
    _centered(draw, 512, 706, "AURUM", 70, "Black", (60, 44, 20))
    _centered(draw, 512, 806, "EAU DE PARFUM", 30, "Bold", (110, 80, 30))
    _centered(draw, 512, 848, "Grasse · 50 ml", 24, "Regular", (110, 80, 30))
    return canvas


def jacket() -> Image.Image:
    canvas = _backdrop((240, 240, 238), (222, 222, 220))
    _shadow(canvas, (150, 1090, 880, 1170), 120)
    navy = (28, 44, 78)
    draw = ImageDraw.Draw(canvas)
    body = [
        (330, 230),
        (440, 190),
        (512, 230),
        (584, 190),
        (694, 230),
        (900, 560),
        (800, 620),
        (720, 470),
        (730, 1110),
        (294, 1110),
        (304, 470),
        (224, 620),
        (124, 560),
    ]
    draw.polygon(body, fill=navy)
    for y in range(300, 1100, 48):  # quilting
        draw.line((310, y, 714, y + 18), fill=(40, 60, 100), width=3)
    draw.line((512, 236, 512, 1108), fill=(190, 190, 196), width=6)  # zip
    for y in range(250, 1100, 14):
        draw.line((505, y, 519, y), fill=(120, 120, 130), width=2)
    draw.polygon([(440, 190), (512, 300), (584, 190), (512, 230)], fill=(20, 30, 56))
    draw.rounded_rectangle((560, 360, 700, 420), radius=8, fill=(232, 96, 40))
    _centered(draw, 630, 372, "NW", 34, "Black", (255, 255, 255))
    _centered(draw, 400, 440, "NORTHWIND", 40, "Black", (236, 236, 240))
    _centered(draw, 400, 488, "STORM SHELL", 20, "Bold", (200, 200, 210))
    draw.rectangle((330, 1060, 694, 1100), fill=(22, 36, 64))
    return canvas


def serum() -> Image.Image:
    canvas = _backdrop((244, 236, 232), (226, 214, 208))
    _shadow(canvas, (330, 1070, 700, 1150), 140)
    body = _vertical_shade((330, 560), (246, 196, 170), highlight=0.35)
    mask = Image.new("L", body.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, 329, 559), radius=44, fill=255)
    canvas.paste(body, (347, 540), mask)
    collar = _vertical_shade((170, 70), (210, 180, 120), highlight=0.5)
    canvas.paste(collar, (427, 474))
    bulb = _vertical_shade((120, 200), (40, 36, 40), highlight=0.3)
    bmask = Image.new("L", bulb.size, 0)
    ImageDraw.Draw(bmask).ellipse((0, 0, 119, 260), fill=255)
    canvas.paste(bulb, (452, 280), bmask)
    draw = ImageDraw.Draw(canvas)
    draw.rounded_rectangle((377, 650, 647, 990), radius=12, fill=(255, 252, 248))
    for k in range(6):
        draw.ellipse((395 + k * 42, 948, 415 + k * 42, 968), outline=(240, 150, 110), width=3)
    _centered(draw, 512, 680, "GLOW", 74, "Black", (226, 108, 70))
    _centered(draw, 512, 762, "SERUM", 50, "Bold", (60, 50, 48))
    _centered(draw, 512, 834, "Vitamin C +", 26, "Regular", (90, 80, 76))
    _centered(draw, 512, 866, "Hyaluronic Acid", 26, "Regular", (90, 80, 76))
    _centered(draw, 512, 906, "30 ml", 26, "Bold", (90, 80, 76))
    return canvas


SAMPLES = {"aurum-perfume.png": perfume, "northwind-jacket.png": jacket, "glow-serum.png": serum}


def main() -> None:
    for name, make in SAMPLES.items():
        make().save(HERE / name, optimize=True)
        print(HERE / name)


if __name__ == "__main__":
    main()
