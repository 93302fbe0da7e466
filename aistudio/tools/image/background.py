"""Background removal on hosted models (BiRefNet on fal, a rembg-class model on Replicate).

Implements `BackgroundRemover`: the photo goes to the first configured cut-out model that
accepts it, and the answer comes back as an RGBA PNG of the input's own size whose alpha is
the foreground (models that work at a fixed resolution are scaled back). The request and
the cut-out are remembered by the photo's checksum: the same photo is never paid twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Sequence

import numpy as np
from PIL import Image, UnidentifiedImageError

from aistudio.artifacts import Asset
from aistudio.errors import ProviderError
from aistudio.tools.video.catalog import build_cutout_payload, estimate_image_cost
from aistudio.tools.video.router import HostedRouter

log = logging.getLogger("aistudio.image")


def as_cutout(data: bytes, size: tuple[int, int]) -> bytes:
    """A model's answer as an RGBA PNG of `size` (pure). ValueError when it is not an image
    or carries no transparency (a model that flattened the background is no cut-out)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            picture = image.convert("RGBA")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"not an image: {exc}") from None
    alpha = np.asarray(picture.getchannel("A"))
    if not has_alpha or alpha.min() == 255:
        raise ValueError("an image without transparency (no background was removed)")
    if alpha.max() == 0:
        raise ValueError("an empty cut-out (everything was removed)")
    if picture.size != size:
        picture = picture.resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


class HostedBackgroundRemover:
    def __init__(self, router: HostedRouter, models: Sequence[str]) -> None:
        self.router = router
        self.name = router.name
        self.storage = router.storage
        # Resolved now, so a misspelt model id fails at start-up, not mid-job.
        self.models = [router.catalog.get(m, "cutout") for m in models]

    async def remove_background(self, image: Asset) -> Asset:
        ids = [e.id for e in self.models]
        key = hashlib.sha256(f"{image.sha256}|{ids}".encode()).hexdigest()
        done = f"hosted-cutout:{self.name}:{key}"
        if (stored := await self.storage.recall(done)) is not None:
            return stored
        data = await self.storage.read_bytes(image)

        def facts() -> tuple[tuple[int, int], str]:
            with Image.open(io.BytesIO(data)) as photo:
                return photo.size, (photo.format or "PNG").lower()

        size, kind = await asyncio.to_thread(facts)
        memo = f"hosted-cutout-submit:{self.name}:{key}"
        job = await self.router.recall(memo)
        if job is None:
            url = await self.router.upload(data, f"image/{kind}", f"photo.{kind}")
            attempts = [
                (entry, build_cutout_payload(entry, image_url=url)) for entry in self.models
            ]
            job = await self.router.submit_first(
                memo, attempts, shot_index=0, price=estimate_image_cost, what="the cut-out"
            )
        log.info("cut-out of %s by %s/%s (%s)", image.key, job.provider, job.model, job.request_id)
        answer = await self.router.download(await self.router.result_url(job, "cut-out"))
        try:
            png = await asyncio.to_thread(as_cutout, answer, size)
        except ValueError as exc:
            raise ProviderError(f"{job.model} returned {exc}", provider=self.name) from None
        cutout = await self.storage.put_bytes(
            png, kind="cutout", mime="image/png", ext="png", width=size[0], height=size[1]
        )
        await self.storage.remember(done, cutout)
        return cutout
