"""People in frame: NudeNet detections, shared by moderation (exposed nudity) and QA
(faces = a person, which breaks the product-only promo rule).

OpenCV 5 no longer ships the Haar cascades (`cv2.data` is empty, `CascadeClassifier` is
gone) and no face model may be downloaded at run time; NudeNet's ONNX weights ship in its
wheel and its FACE_FEMALE / FACE_MALE classes are a usable "is there a person" signal.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from aistudio.errors import ToolUnavailable

FACE_CLASSES = frozenset({"FACE_FEMALE", "FACE_MALE"})
MIN_SCORE = 0.5
# The detector letterboxes to 320 x 320; handing it more than this only costs copying.
INPUT_SIDE = 640
Box = tuple[int, int, int, int]  # x, y, w, h in the caller's pixels


@dataclass(frozen=True)
class FaceResult:
    count: int
    boxes: tuple[Box, ...] = ()
    scores: tuple[float, ...] = ()


class PeopleDetector:
    """NudeNet (320n ONNX), loaded on first use, one inference at a time."""

    name = "nudenet-320n"

    def __init__(self) -> None:
        self._detector: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._detector is None:
            try:
                from nudenet import NudeDetector
            except ImportError as exc:
                raise ToolUnavailable(f"person detection is unavailable: {exc}") from exc
            self._detector = NudeDetector()
        return self._detector

    def detect(self, rgb: np.ndarray) -> list[dict[str, Any]]:
        """Detections with score >= MIN_SCORE: [{"class", "score", "box": [x, y, w, h]}]."""
        h, w = rgb.shape[:2]
        scale = min(1.0, INPUT_SIDE / max(h, w))
        small = (
            rgb[..., :3]
            if scale == 1.0
            else cv2.resize(
                rgb[..., :3],
                (max(1, round(w * scale)), max(1, round(h * scale))),
                interpolation=cv2.INTER_AREA,
            )
        )
        # NudeNet converts its input with RGBA->BGR (then swaps back to RGB): hand it RGBA.
        rgba = np.dstack([small, np.full(small.shape[:2], 255, np.uint8)])
        with self._lock:  # one ONNX session, loaded once, used by one thread at a time
            found = self._load().detect(rgba)
        kept = []
        for d in found:
            if float(d["score"]) < MIN_SCORE:
                continue
            x, y, bw, bh = (round(v / scale) for v in d["box"])
            kept.append(
                {"class": str(d["class"]), "score": float(d["score"]), "box": [x, y, bw, bh]}
            )
        return kept

    def faces(self, rgb: np.ndarray) -> FaceResult:
        """Faces in an RGB frame (blocking; call off the event loop)."""
        found = [d for d in self.detect(rgb) if d["class"] in FACE_CLASSES]
        return FaceResult(
            count=len(found),
            boxes=tuple((d["box"][0], d["box"][1], d["box"][2], d["box"][3]) for d in found),
            scores=tuple(round(d["score"], 3) for d in found),
        )

    def count_faces(self, rgb: np.ndarray) -> int:
        return self.faces(rgb).count

    async def faces_async(self, rgb: np.ndarray) -> FaceResult:
        return await asyncio.to_thread(self.faces, rgb)
