"""Whether text fits where the renderer puts it, measured with the renderer's own font
metrics (Lato via `tools/render/fonts.py`, wrapped by `tools/render/captions.wrap`).

Captions: `render_caption` wraps at 0.84 of the frame width less one font size and shrinks
the type when a caption needs more than two lines, so a caption that needs more lines at
its planned size is unreadable on a phone. End card: `render_end_card` draws at most two
lines of headline and two of call to action and drops the rest, so a third line is text the
viewer never sees. The geometry constants below mirror those two functions; the tests
render real captions and end cards to hold them to it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

from aistudio.artifacts import ASPECT_SIZES, AspectRatio
from aistudio.tools.render.captions import MAX_LINES, caption_font_px, wrap
from aistudio.tools.render.fonts import font

CAPTION_WIDTH = 0.84  # of the frame width (render_caption's max_width)
END_CARD_LINES = 2  # render_end_card keeps the first two lines of each text
CardPart = Literal["headline", "cta"]


@lru_cache(maxsize=4096)
def caption_lines(text: str, aspect: AspectRatio, scale: float = 1.0) -> int:
    """Lines a caption takes at its planned size on a frame of `aspect`."""
    width, height = ASPECT_SIZES[aspect]
    size = caption_font_px(width, height, scale)
    return len(wrap(text, font(size, "Bold"), CAPTION_WIDTH * width - size))


def caption_fits(text: str, aspects: Iterable[AspectRatio], scale: float = 1.0) -> bool:
    return all(caption_lines(text, a, scale) <= MAX_LINES for a in aspects)


def _end_card_box(aspect: AspectRatio, part: CardPart) -> tuple[int, float, str]:
    """(font px, wrap width, weight) of one end-card text, as render_end_card draws it."""
    width, height = ASPECT_SIZES[aspect]
    unit = math.sqrt(width * height)
    align_w = 0.8 * width if height > width else 0.45 * width
    if part == "headline":
        return round(0.062 * unit), align_w, "Black"
    return round(0.036 * unit), align_w * 0.9, "Bold"


@lru_cache(maxsize=4096)
def end_card_lines(text: str, aspect: AspectRatio, part: CardPart) -> int:
    size, width, weight = _end_card_box(aspect, part)
    return len(wrap(text, font(size, "Black" if weight == "Black" else "Bold"), width))


def end_card_fits(text: str, aspects: Iterable[AspectRatio], part: CardPart) -> bool:
    return all(end_card_lines(text, a, part) <= END_CARD_LINES for a in aspects)
