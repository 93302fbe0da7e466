"""Frame inspection for output QA: fidelity, sharpness, caption OCR, faces."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from aistudio.tools.vision.faces import PeopleDetector
from aistudio.tools.vision.fidelity import FidelityScorer
from aistudio.tools.vision.ocr import TextReader, text_similarity
from aistudio.tools.vision.sharpness import sharpness


class FrameInspector:
    name = "frame-inspector"

    def __init__(self, ocr: TextReader, people: PeopleDetector) -> None:
        self.ocr = ocr
        self.people = people
        self._scorers: dict[Path, FidelityScorer] = {}

    def _scorer(self, reference: Path) -> FidelityScorer:
        if reference not in self._scorers:
            with Image.open(reference) as im:
                self._scorers[reference] = FidelityScorer(np.asarray(im.convert("RGBA")))
        return self._scorers[reference]

    async def fidelity(
        self, reference: Path, frames: Sequence[np.ndarray]
    ) -> list[tuple[int, float]]:
        def run() -> list[tuple[int, float]]:
            scorer = self._scorer(reference)
            return [(r.inliers, r.score) for r in map(scorer.score, frames)]

        return await asyncio.to_thread(run)

    async def sharpness(self, frames: Sequence[np.ndarray]) -> list[float]:
        return await asyncio.to_thread(lambda: [sharpness(f) for f in frames])

    async def caption_similarity(self, frame: np.ndarray, expected: str) -> float:
        texts = await self.ocr.read(frame)
        return text_similarity(expected, [t for t, _ in texts])

    async def count_faces(self, frames: Sequence[np.ndarray]) -> int:
        return await asyncio.to_thread(
            lambda: max((self.people.count_faces(f) for f in frames), default=0)
        )

    async def save_frames(self, frames: Sequence[np.ndarray], folder: Path) -> list[Path]:
        def run() -> list[Path]:
            paths = []
            for i, frame in enumerate(frames):
                path = folder / f"frame-{i}.jpg"
                Image.fromarray(frame).save(path, quality=90)
                paths.append(path)
            return paths

        return await asyncio.to_thread(run)
