"""Image edits on hosted models (fal, Replicate): the product photo placed in a new scene.

The photo and a scene prompt go to the first configured image-edit model that can make
the frame's aspect (Flux Kontext, Seedream, Nano Banana ... : catalog entries, failover as
for video). Submit and result are separate steps, each remembered in storage: a request
the provider accepted is recalled, never paid twice, and a downloaded scene is reused.
The scene comes back cropped to the frame's aspect, exactly as a video model will see it.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Sequence

from PIL import Image, UnidentifiedImageError

from aistudio.artifacts import (
    ASPECT_SIZES,
    AspectRatio,
    Asset,
    ProductProfile,
    ProviderJob,
    ShotRender,
)
from aistudio.errors import InputError, ProviderError
from aistudio.tools.video.catalog import (
    CatalogEntry,
    build_image_payload,
    estimate_image_cost,
    image_problems,
)
from aistudio.tools.video.router import HostedRouter

SCENE_ATTEMPTS = 2  # a scene that loses the product is remade once
PHOTO_LONG_SIDE = 1536  # the photo as the models take it (they work at ~1-2 MP)
RESEED = 7919  # a remade scene asks for another take
SCENE_LEAD = (
    "Photograph the exact product from the reference image in a new scene, as the opening "
    "frame of this shot."
)
REMAKE_CLAUSE = (
    "The product must stay fully visible and unchanged in the frame: the same object, "
    "shape, colours, label text and logo as in the reference image."
)


def scene_prompt(shot_prompt: str, attempt: int) -> str:
    """The image-edit prompt for a shot's scene; a remake insists on the product."""
    parts = [SCENE_LEAD, shot_prompt.strip()]
    if attempt:
        parts.append(REMAKE_CLAUSE)
    return " ".join(part for part in parts if part)


def photo_jpeg(data: bytes) -> bytes:
    """The photo as uploaded to an image model: RGB JPEG, long side at most 1536 px."""
    with Image.open(io.BytesIO(data)) as image:
        photo = image.convert("RGB")
    scale = PHOTO_LONG_SIDE / max(photo.size)
    if scale < 1:
        size = (round(photo.width * scale), round(photo.height * scale))
        photo = photo.resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def fit_aspect(data: bytes, aspect: AspectRatio, max_long_side: int = 1920) -> Image.Image:
    """A model's picture centre-cropped to the frame's aspect (models round sizes to their
    own grids, and some ignore the aspect), at most the frame's size. ValueError when the
    bytes are not an image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"not an image: {exc}") from None
    width, height = ASPECT_SIZES[aspect]
    scale = min(picture.width / width, picture.height / height)
    crop_w, crop_h = round(width * scale), round(height * scale)
    left, top = (picture.width - crop_w) // 2, (picture.height - crop_h) // 2
    picture = picture.crop((left, top, left + crop_w, top + crop_h))
    if max(picture.size) > max_long_side:
        factor = max_long_side / max(picture.size)
        size = (round(picture.width * factor), round(picture.height * factor))
        picture = picture.resize(size, Image.Resampling.LANCZOS)
    return picture


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


class HostedImageEditor:
    def __init__(self, router: HostedRouter, models: Sequence[str]) -> None:
        self.router = router
        self.name = router.name
        self.storage = router.storage
        # Resolved now, so a misspelt model id fails at start-up, not mid-job.
        self.models = [router.catalog.get(m, "image") for m in models]
        self._photos: dict[str, asyncio.Task[str]] = {}

    def entries(self, chosen: str | None) -> list[CatalogEntry]:
        """The models to try, in order: the request's own choice, else the configured list."""
        if chosen is None:
            return list(self.models)
        entry = self.router.catalog.get(chosen, "image")
        if entry.provider != self.name:
            raise InputError(f"image model {chosen!r} runs on {entry.provider}, not {self.name}")
        return [entry]

    def estimate(self, aspect: AspectRatio, chosen: str | None) -> tuple[str, float | None] | None:
        """The model a scene would go to first and what a shot's scenes cost at most (a
        remake included); None when no configured model can make the aspect."""
        for entry in self.entries(chosen):
            if not image_problems(entry, aspect):
                return entry.id, estimate_image_cost(entry, SCENE_ATTEMPTS)
        return None

    async def _photo_url(self, label: str, product: ProductProfile) -> str:
        """The photo uploaded once per job (label), however many scenes it makes."""
        key = f"{label}|{product.normalized.sha256}"
        task = self._photos.get(key)
        if task is None or (task.done() and task.exception() is not None):

            async def upload() -> str:
                data = await asyncio.to_thread(
                    photo_jpeg, await self.storage.read_bytes(product.normalized)
                )
                return await self.router.upload(data, "image/jpeg", "photo.jpg")

            task = asyncio.ensure_future(upload())
            self._photos[key] = task
        return await asyncio.shield(task)

    async def submit(
        self,
        label: str,
        shot: ShotRender,
        product: ProductProfile,
        aspect: AspectRatio,
        attempt: int,
        chosen: str | None = None,
    ) -> ProviderJob:
        entries = self.entries(chosen)
        fingerprint = hashlib.sha256(
            f"{label}|{shot.model_dump_json()}|{aspect}|{attempt}|{[e.id for e in entries]}|"
            f"{product.normalized.sha256}".encode()
        ).hexdigest()
        memo = f"hosted-scene:{self.name}:{fingerprint}"
        if (accepted := await self.router.recall(memo)) is not None:
            return accepted
        notes = [problem for entry in entries for problem in image_problems(entry, aspect)]
        capable = [entry for entry in entries if not image_problems(entry, aspect)]
        what = f"the scene of shot {shot.shot_index + 1}"
        if not capable:
            raise ProviderError(
                f"no image model can make {what}: {'; '.join(notes)}", provider=self.name
            )
        image_url = await self._photo_url(label, product)
        prompt = scene_prompt(shot.prompt, attempt)
        seed = shot.seed + RESEED * attempt
        attempts = [
            (
                entry,
                build_image_payload(
                    entry, prompt=prompt, image_url=image_url, aspect=aspect, seed=seed
                ),
            )
            for entry in capable
        ]
        return await self.router.submit_first(
            memo,
            attempts,
            shot_index=shot.shot_index,
            price=estimate_image_cost,
            what=what,
            notes=notes,
        )

    async def result(self, job: ProviderJob, aspect: AspectRatio) -> Asset:
        """The finished scene, downloaded at once and cropped to the frame's aspect."""
        memo = f"hosted-scene-result:{self.name}:{job.request_id}:{aspect}"
        if (stored := await self.storage.recall(memo)) is not None:
            return stored
        url = await self.router.result_url(job, f"scene of shot {job.shot_index + 1}")
        data = await self.router.download(url)

        def encode() -> tuple[bytes, int, int]:
            try:
                picture = fit_aspect(data, aspect)
            except ValueError as exc:
                raise ProviderError(f"{job.model} returned {exc}", provider=self.name) from None
            return _png(picture), picture.width, picture.height

        png, width, height = await asyncio.to_thread(encode)
        asset = await self.storage.put_bytes(
            png, kind="keyframe", mime="image/png", ext="png", width=width, height=height
        )
        await self.storage.remember(memo, asset)
        return asset
