"""OCR with RapidOCR (PP-OCR ONNX models shipped inside the wheel) and a pure caption
similarity measure for the legibility check."""

from __future__ import annotations

import asyncio
import re
import threading
import unicodedata
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from aistudio.errors import ToolUnavailable

# Detection cost grows faster than the pixel count on 2 cores (long side 1280: ~5 s,
# 960: ~1.2 s, 736: ~0.6 s). Captions are >= 0.045 x frame height (captions.py), i.e.
# >= 17 px at 736 even after the 0.7 shrink: legible for PP-OCR, so frames use 736.
# Label text on a product photo is smaller and is read at LABEL_MAX_SIDE.
MAX_SIDE = 736
LABEL_MAX_SIDE = 960
_ENGINE_PARAMS: dict[str, Any] = {
    "Global.use_cls": False,  # 180-degree text is not a thing on labels or captions
    "Global.log_level": "error",  # "no text found" is an answer, not a warning
    # Scale by the long side and never enlarge; we hand it images already at size.
    "Det.limit_type": "max",
    "Det.limit_side_len": LABEL_MAX_SIDE,
}
_SHORT_TOKEN = 3  # tokens this short only count when read exactly


# -- pure similarity --------------------------------------------------------------------
def normalise(text: str) -> str:
    """Lower case, accents stripped, punctuation to spaces, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def _levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _char_similarity(target: str, candidate: str) -> float:
    """1 - character error rate of `candidate` as a reading of `target` (clipped at 0)."""
    return max(0.0, 1.0 - _levenshtein(target, candidate) / len(target))


def _token_found(token: str, tokens: Sequence[str], squashed: str) -> float:
    if len(token) <= _SHORT_TOKEN:
        return 1.0 if token in tokens else 0.0
    if token in squashed:  # OCR merged it with a neighbour ("shopnow")
        return 1.0
    return max((_char_similarity(token, t) for t in tokens), default=0.0)


def text_similarity(expected: str, found: Sequence[str]) -> float:
    """How well `expected` was read back from the strings OCR `found`, 0..1.

    The better of two views, both case-, accent- and punctuation-insensitive:
    * best window: 1 - CER of the expected text against the closest run of consecutive
      read words (spaces ignored, since OCR splits and merges words);
    * token recall: the share of expected words that were read (fuzzy for long words),
      which survives a caption read in several pieces or out of order.
    A caption missing half its words scores about 0.5.
    """
    target_tokens = normalise(expected).split()
    if not target_tokens:
        return 1.0
    lines = [normalise(f) for f in found]
    tokens = [t for line in lines for t in line.split()]
    if not tokens:
        return 0.0
    target = "".join(target_tokens)
    n = len(target_tokens)
    windows = {"".join(line.split()) for line in lines if line}
    for size in range(max(1, n - 2), n + 3):
        for start in range(max(1, len(tokens) - size + 1)):
            windows.add("".join(tokens[start : start + size]))
    best_window = max(_char_similarity(target, w) for w in windows)
    squashed = "".join(tokens)
    recall = sum(_token_found(t, tokens, squashed) >= 0.8 for t in target_tokens) / n
    return round(max(best_window, recall), 3)


# -- the reader ---------------------------------------------------------------------------
class TextReader:
    """RapidOCR behind a lock: loaded on first use, one inference at a time."""

    name = "rapidocr"

    def __init__(self) -> None:
        self._engine: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._engine is None:
            try:
                from rapidocr import RapidOCR
            except ImportError as exc:
                raise ToolUnavailable(f"OCR is unavailable: {exc}") from exc
            self._engine = RapidOCR(params=_ENGINE_PARAMS)
        return self._engine

    def read_sync(self, rgb: np.ndarray, max_side: int = MAX_SIDE) -> list[tuple[str, float]]:
        """[(text, confidence)] for an RGB uint8 image; blocking (call off the loop)."""
        return [(text, score) for text, score, _ in self.read_boxes_sync(rgb, max_side)]

    def read_boxes_sync(
        self, rgb: np.ndarray, max_side: int = MAX_SIDE
    ) -> list[tuple[str, float, tuple[int, int, int, int]]]:
        """[(text, confidence, (x, y, w, h) in `rgb`'s pixels)]; blocking."""
        h, w = rgb.shape[:2]
        scale = min(1.0, max_side / max(h, w))
        image = (
            rgb
            if scale == 1.0
            else cv2.resize(
                rgb,
                (max(1, round(w * scale)), max(1, round(h * scale))),
                interpolation=cv2.INTER_AREA,
            )
        )
        bgr = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGR)
        with self._lock:  # one ONNX engine, loaded once, used by one thread at a time
            result = self._load()(bgr)
        texts = getattr(result, "txts", None) or ()
        scores = getattr(result, "scores", None) or ()
        boxes = getattr(result, "boxes", None)
        quads = [] if boxes is None else list(boxes)
        found = []
        for i, (t, s) in enumerate(zip(texts, scores, strict=False)):
            box = (0, 0, 0, 0)
            if i < len(quads):  # a quadrilateral of 4 corners, at the scaled size
                quad = np.asarray(quads[i], dtype=np.float32) / scale
                x0, y0 = quad.min(axis=0)
                x1, y1 = quad.max(axis=0)
                box = (
                    round(float(x0)),
                    round(float(y0)),
                    round(float(x1 - x0)),
                    round(float(y1 - y0)),
                )
            found.append((str(t), float(s), box))
        return found

    async def read(self, rgb: np.ndarray, max_side: int = MAX_SIDE) -> list[tuple[str, float]]:
        return await asyncio.to_thread(self.read_sync, rgb, max_side)

    async def read_boxes(
        self, rgb: np.ndarray, max_side: int = MAX_SIDE
    ) -> list[tuple[str, float, tuple[int, int, int, int]]]:
        return await asyncio.to_thread(self.read_boxes_sync, rgb, max_side)
