"""Choose the product's cut-out: the file's own transparency, a hosted background remover's
mask, or GrabCut's, each scored by the same cut-out score; below its threshold the video
uses the whole photo instead.

Order: a photo with meaningful transparency is already cut out (used as it is, scored for
people only). Otherwise the hosted remover, when one is configured, and GrabCut when the
remover is absent, fails, or its mask scores below the threshold.
"""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from aistudio.artifacts import Asset, CutoutQuality, Layout
from aistudio.errors import AppError, ProviderError
from aistudio.tools.protocols import BackgroundRemover, Storage
from aistudio.tools.vision.cutout_quality import Box, score_cutout
from aistudio.tools.vision.faces import PeopleDetector
from aistudio.tools.vision.mask import MaskResult, alpha_mask, border_colour, mask_result
from aistudio.tools.vision.mask import product_mask as grabcut_mask

log = logging.getLogger("aistudio.ingest")


@dataclass(frozen=True)
class ChosenCutout:
    mask: MaskResult
    quality: CutoutQuality
    notes: tuple[str, ...] = ()

    @property
    def layout(self) -> Layout:
        return "cutout" if self.quality.passed else "full_photo"


def _unusable(message: str) -> ProviderError:
    return ProviderError(message, provider="background-remover")


def remover_mask(data: bytes, rgb: np.ndarray) -> MaskResult:
    """The remover's RGBA PNG as a mask of `rgb`; a ProviderError when it is unusable."""
    h, w = rgb.shape[:2]
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.size != (w, h):  # read from the header, before anything is decoded
                raise _unusable(f"returned {image.width}x{image.height} for a {w}x{h} photo")
            if not image.has_transparency_data:
                raise _unusable("returned an image without an alpha channel")
            alpha = np.asarray(image.convert("RGBA"))[..., 3].copy()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _unusable(f"returned an unreadable image ({exc})") from exc
    return mask_result(alpha, "remover", border_colour(rgb))


def _summary(quality: CutoutQuality) -> str:
    why = "; ".join(quality.reasons[:2])
    return f"{quality.score:.2f}" + (f" ({why})" if why else "")


class CutoutChooser:
    """Makes, scores and picks the cut-out during ingest."""

    def __init__(
        self,
        storage: Storage,
        *,
        threshold: float,
        people: PeopleDetector | None = None,
        remover: BackgroundRemover | None = None,
    ) -> None:
        self.storage = storage
        self.threshold = threshold
        self.people = people
        self.remover = remover

    async def _faces(self, rgb: np.ndarray) -> tuple[Box, ...]:
        if self.people is None:
            return ()
        return (await self.people.faces_async(rgb)).boxes

    async def _score(
        self, rgb: np.ndarray, mask: MaskResult, faces: tuple[Box, ...]
    ) -> CutoutQuality:
        return await asyncio.to_thread(
            score_cutout, rgb, mask.mask, mask.method, threshold=self.threshold, faces=faces
        )

    async def _removed(
        self, remover: BackgroundRemover, photo: Asset, rgb: np.ndarray
    ) -> MaskResult:
        result = await remover.remove_background(photo)
        return await asyncio.to_thread(remover_mask, await self.storage.read_bytes(result), rgb)

    async def _first(
        self, rgb: np.ndarray, alpha: np.ndarray | None, photo: Asset, notes: list[str]
    ) -> MaskResult:
        if alpha is not None and (own := alpha_mask(rgb, alpha)) is not None:
            return own
        if self.remover is not None:
            try:
                return await self._removed(self.remover, photo, rgb)
            except AppError as exc:  # a hosted failure costs the cut-out, never the job
                log.warning("background remover failed: %s", exc)
                notes.append(f"hosted background removal failed ({exc}); GrabCut instead")
        return await asyncio.to_thread(grabcut_mask, rgb, alpha)

    async def choose(self, rgb: np.ndarray, alpha: np.ndarray | None, photo: Asset) -> ChosenCutout:
        """`photo` is the stored working copy of `rgb` (what a hosted remover is sent)."""
        notes: list[str] = []
        faces, mask = await asyncio.gather(self._faces(rgb), self._first(rgb, alpha, photo, notes))
        quality = await self._score(rgb, mask, faces)
        if not quality.passed and mask.method == "remover":
            notes.append(f"hosted cut-out scored {_summary(quality)}; GrabCut instead")
            mask = await asyncio.to_thread(grabcut_mask, rgb, None)
            quality = await self._score(rgb, mask, faces)
        if faces:
            notes.append(f"people in the photo: {len(faces)}")
        verdict = "used" if quality.passed else "refused: the video shows the whole photo"
        notes.append(f"cut-out ({mask.method}) scores {_summary(quality)}: {verdict}")
        return ChosenCutout(mask, quality, tuple(notes))
