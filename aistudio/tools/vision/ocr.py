"""OCR with RapidOCR (PP-OCR ONNX models shipped inside the wheel)."""

from __future__ import annotations

import asyncio
import difflib
import re
import threading
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

MAX_SIDE = 1280  # OCR cost grows with pixels; captions stay legible at this size


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", "", re.sub(r"\s+", " ", text.lower())).strip()


def text_similarity(expected: str, found: Sequence[str]) -> float:
    """How well `expected` was read back: best of fuzzy ratio and word recall, 0..1."""
    target = _normalise(expected)
    if not target:
        return 1.0
    lines = [_normalise(f) for f in found if _normalise(f)]
    if not lines:
        return 0.0
    joined = " ".join(lines)
    candidates = [*lines, joined]
    ratio = max(difflib.SequenceMatcher(None, target, c).ratio() for c in candidates)
    # A caption on two lines is read as two strings: compare words, squashing spaces.
    words = target.split()
    squashed = joined.replace(" ", "")
    recall = sum(w in squashed for w in words) / len(words)
    return round(max(ratio, recall), 3)


class TextReader:
    name = "rapidocr"

    def __init__(self) -> None:
        self._engine: Any = None
        self._lock = threading.Lock()

    def _read(self, rgb: np.ndarray) -> list[tuple[str, float]]:
        with self._lock:  # one ONNX engine, loaded once, used by one thread at a time
            if self._engine is None:
                from rapidocr import RapidOCR

                self._engine = RapidOCR()
            h, w = rgb.shape[:2]
            scale = min(1.0, MAX_SIDE / max(h, w))
            image = rgb if scale == 1.0 else cv2.resize(
                rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
            result = self._engine(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        texts = getattr(result, "txts", None) or ()
        scores = getattr(result, "scores", None) or ()
        return [(str(t), float(s)) for t, s in zip(texts, scores, strict=False)]

    async def read(self, rgb: np.ndarray) -> list[tuple[str, float]]:
        return await asyncio.to_thread(self._read, rgb)
