"""NudeNet detections, shared by moderation (exposed nudity) and QA (faces = people).

OpenCV 5 dropped the Haar cascades, and no face model can be downloaded here; NudeNet's
ONNX weights ship in its wheel and its FACE_FEMALE / FACE_MALE classes are a usable
"is there a person in frame" signal for the product-only rule.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

FACE_CLASSES = frozenset({"FACE_FEMALE", "FACE_MALE"})
MIN_SCORE = 0.5


class PeopleDetector:
    name = "nudenet"

    def __init__(self) -> None:
        self._detector: Any = None
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray) -> list[dict[str, Any]]:
        """Detections with score >= MIN_SCORE: [{"class", "score", "box"}]."""
        # NudeNet converts its input with RGBA->BGR, so hand it RGBA.
        rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
        with self._lock:  # one ONNX session, loaded once, used by one thread at a time
            if self._detector is None:
                from nudenet import NudeDetector

                self._detector = NudeDetector()
            found = self._detector.detect(rgba)
        return [d for d in found if float(d["score"]) >= MIN_SCORE]

    def count_faces(self, rgb: np.ndarray) -> int:
        return sum(1 for d in self.detect(rgb) if d["class"] in FACE_CLASSES)
