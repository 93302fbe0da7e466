"""Ingest plus a vision model's reading of the reference photo (brand, verbatim label text,
colours, build), stored on `ProductProfile.analysis` for every agent downstream.

The reading is enrichment: when the model or its provider fails, the profile goes on
without it (and says why in its notes) rather than failing a job the local ingest could
already carry. Only a refused key or project fails ingest, since every agent would hit it.
"""

from __future__ import annotations

import logging
from typing import Protocol

from aistudio.artifacts import ProductAnalysis, ProductProfile
from aistudio.errors import ProviderError
from aistudio.tools.protocols import ImageIngestor, Storage

log = logging.getLogger("aistudio.vision.analysis")
AUTH_STATUSES = frozenset({401, 403})


class ProductAnalyst(Protocol):
    async def analyse_product(
        self, product: ProductProfile, image: bytes, mime: str = "image/png"
    ) -> ProductAnalysis | None: ...


class AnalysingIngestor:
    """An `ImageIngestor` that adds the analyst's reading to the inner ingestor's profile."""

    def __init__(self, inner: ImageIngestor, analyst: ProductAnalyst, storage: Storage) -> None:
        self.inner = inner
        self.analyst = analyst
        self.storage = storage

    async def ingest(self, data: bytes, *, source_name: str = "") -> ProductProfile:
        profile = await self.inner.ingest(data, source_name=source_name)
        # The stored normalised copy (EXIF-oriented, working size), not the upload: the
        # model sees what the renderer and QA see.
        image = await self.storage.read_bytes(profile.normalized)
        try:
            analysis = await self.analyst.analyse_product(profile, image, profile.normalized.mime)
        except ProviderError as exc:
            if exc.status in AUTH_STATUSES:
                raise  # a wrong key or project fails every later call too: say so now
            log.warning("vision analysis skipped: %s", exc.message)
            note = f"vision analysis skipped: {exc.message}"[:300]
            return profile.model_copy(update={"notes": (*profile.notes, note)})
        if analysis is None:
            return profile.model_copy(
                update={"notes": (*profile.notes, "vision analysis gave no usable answer")}
            )
        return profile.model_copy(update={"analysis": analysis})
