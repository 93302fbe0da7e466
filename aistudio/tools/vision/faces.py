"""A 'is there a person in frame' signal for the promo rule: OpenCV's Haar face cascade."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

DETECT_WIDTH = 480


class FaceCounter:
    def __init__(self) -> None:
        self._cascade: cv2.CascadeClassifier | None = None
        self._lock = threading.Lock()

    def _classifier(self) -> cv2.CascadeClassifier:
        with self._lock:
            if self._cascade is None:
                path = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"
                self._cascade = cv2.CascadeClassifier(str(path))
            return self._cascade

    def count(self, rgb: np.ndarray) -> int:
        h, w = rgb.shape[:2]
        scale = DETECT_WIDTH / w
        gray = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), (DETECT_WIDTH, round(h * scale)))
        gray = cv2.equalizeHist(gray)
        # Strict neighbours and a sane minimum size: label art must not read as a face.
        faces = self._classifier().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=7,
                                                    minSize=(36, 36))
        return len(faces)
