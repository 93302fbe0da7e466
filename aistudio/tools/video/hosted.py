"""Image-to-video on hosted models (fal, Replicate) behind the VideoProvider protocol.

Submit: the shot's first frame is made first — a scene an image-edit model made from the
photo and the shot's prompt that passed product fidelity, or the local compositor's
product-on-backdrop keyframe (`aistudio.tools.image.scenes`) — so no video model is paid
for a frame that lost the product. It is cropped to the target aspect, uploaded and sent
with the shot's prompt to the first configured model that can make the shot (duration,
aspect, faces); a model that is down or rejects the input fails over to the next, and the
job records why. Every request id (scenes and clip) is remembered in storage the moment
the provider accepts it, so a submit node re-run after a crash finds it instead of paying
again; the graph then checkpoints the job (DESIGN §4).

Await: waits for that request (webhook or polling with backoff, never a fixed loop) until
it succeeds, fails or passes its deadline, then downloads the clip at once (provider URLs
expire) into storage. The provider calls themselves are `aistudio.tools.video.router`'s.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Mapping, Sequence

from PIL import Image

from aistudio.artifacts import (
    ASPECT_SIZES,
    AspectRatio,
    Asset,
    FirstFrame,
    ModelChoice,
    ProductProfile,
    ProviderJob,
    RenderPlan,
    ShotRender,
    ShotVisual,
)
from aistudio.errors import InputError, ProviderError
from aistudio.tools.image.scenes import SceneMaker
from aistudio.tools.protocols import Storage
from aistudio.tools.render.local import LocalVideoProvider
from aistudio.tools.video.catalog import (
    Catalog,
    CatalogEntry,
    build_payload,
    estimate_cost,
    shot_problems,
)
from aistudio.tools.video.router import (
    HostedPolicy,
    HostedRouter,
    Inbox,
    PollState,
    ProviderBackend,
    Sleep,
    with_retries,
)

# Re-exported: the names callers knew from this module before the router existed.
__all__ = [
    "HostedPolicy",
    "HostedVideoProvider",
    "PollState",
    "ProviderBackend",
    "first_frame_jpeg",
    "with_retries",
]

log = logging.getLogger("aistudio.video")
UPLOAD_LONG_SIDE = 1280  # 720p-class first frame: what the models render at by default
NEGATIVE_PROMPT = "distorted label, changed logo, warped text, extra products, blurry, watermark"


def first_frame_jpeg(keyframe: Image.Image, aspect: AspectRatio) -> bytes:
    """The keyframe (or scene) centre-cropped to the output frame (keyframes carry motion
    headroom) and scaled to the upload size."""
    width, height = ASPECT_SIZES[aspect]
    scale = min(keyframe.width / width, keyframe.height / height)
    crop_w, crop_h = round(width * scale), round(height * scale)
    left, top = (keyframe.width - crop_w) // 2, (keyframe.height - crop_h) // 2
    frame = keyframe.convert("RGB").crop((left, top, left + crop_w, top + crop_h))
    factor = UPLOAD_LONG_SIDE / max(width, height)
    frame = frame.resize((round(width * factor), round(height * factor)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    frame.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def _looks_like_mp4(head: bytes) -> bool:
    return len(head) >= 12 and head[4:8] == b"ftyp"


class HostedVideoProvider:
    def __init__(
        self,
        backend: ProviderBackend,
        catalog: Catalog,
        models_by_kind: Mapping[str, Sequence[str]],
        storage: Storage,
        keyframes: LocalVideoProvider,
        *,
        policy: HostedPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        inbox: Inbox | None = None,
        webhook_url: str | None = None,
        scenes: SceneMaker | None = None,
    ) -> None:
        self.router = HostedRouter(
            backend,
            catalog,
            storage,
            policy=policy,
            sleep=sleep,
            inbox=inbox,
            webhook_url=webhook_url,
        )
        self.backend = backend
        self.name = backend.name
        self.catalog = catalog
        # Resolved now, so a misspelt model id fails at start-up, not mid-job.
        self.models_by_kind = {
            kind: [catalog.get(m, "video") for m in ids] for kind, ids in models_by_kind.items()
        }
        self.storage = storage
        self.keyframes = keyframes
        self.policy = self.router.policy
        # Without an image model every first frame is the local keyframe.
        self.scenes = scenes

    @property
    def inbox(self) -> Inbox | None:
        return self.router.inbox

    @inbox.setter
    def inbox(self, inbox: Inbox | None) -> None:
        self.router.inbox = inbox

    @property
    def webhook_url(self) -> str | None:
        return self.router.webhook_url

    @webhook_url.setter
    def webhook_url(self, url: str | None) -> None:
        self.router.webhook_url = url

    def _entries(self, kind: str, chosen: str | None) -> list[CatalogEntry]:
        if chosen is not None:
            entry = self.catalog.get(chosen, "video")
            if entry.provider != self.name:
                raise InputError(
                    f"video model {chosen!r} runs on {entry.provider}, not {self.name}"
                )
            return [entry]
        entries = self.models_by_kind.get(kind)
        if not entries:
            raise ProviderError(f"no video models configured for {kind} jobs", provider=self.name)
        return entries

    async def _first_frame(
        self,
        job_id: str,
        shot: ShotRender,
        plan: RenderPlan,
        product: ProductProfile,
        aspect: AspectRatio,
        image_model: str | None,
    ) -> tuple[Asset, FirstFrame]:
        if self.scenes is not None and self.scenes.hosted:
            scene = await self.scenes.make(job_id, shot, plan, product, aspect, image_model)
            return scene.asset, scene.record
        keyframe = await self.keyframes.keyframe(shot, plan, product, aspect)
        return keyframe, FirstFrame(source="keyframe", reason="no image model is configured")

    async def _upload_first_frame(self, frame: Asset, shot: ShotRender, aspect: AspectRatio) -> str:
        path = await self.storage.path_of(frame)

        def encode() -> bytes:
            with Image.open(path) as image:
                return first_frame_jpeg(image, aspect)

        data = await asyncio.to_thread(encode)
        return await self.router.upload(data, "image/jpeg", f"shot{shot.shot_index}.jpg")

    async def submit(
        self,
        job_id: str,
        shot: ShotRender,
        plan: RenderPlan,
        product: ProductProfile,
        models: ModelChoice | None = None,
    ) -> ProviderJob:
        models = models or ModelChoice()
        aspect = plan.aspect_ratios[0]  # other aspects are cropped from it in compose
        entries = self._entries(plan.kind, models.video)
        image_ids = self.scenes.model_ids(models.image) if self.scenes is not None else []
        fingerprint = hashlib.sha256(
            f"{job_id}|{shot.model_dump_json()}|{aspect}|{[e.id for e in entries]}|"
            f"{image_ids}".encode()
        ).hexdigest()
        memo = f"hosted-submit:{self.name}:{fingerprint}"
        if (accepted := await self.router.recall(memo)) is not None:
            log.info(
                "shot %d already accepted as %s; not submitting again",
                shot.shot_index,
                accepted.request_id,
            )
            return accepted
        notes: list[str] = []
        capable: list[CatalogEntry] = []
        for entry in entries:
            # Our first frame is a product scene or product-on-backdrop: never a person.
            problems = shot_problems(entry, shot.duration_s, aspect, people_in_shot=False)
            notes.extend(problems)
            if not problems:
                capable.append(entry)
        if not capable:  # before any scene is paid for
            raise ProviderError(
                f"no configured model could take shot {shot.shot_index + 1}: {'; '.join(notes)}",
                provider=self.name,
            )
        frame, record = await self._first_frame(job_id, shot, plan, product, aspect, models.image)
        image_url = await self._upload_first_frame(frame, shot, aspect)
        attempts = [
            (
                entry,
                build_payload(
                    entry,
                    prompt=shot.prompt,
                    image_url=image_url,
                    duration_s=shot.duration_s,
                    aspect=aspect,
                    seed=shot.seed,
                    negative_prompt=NEGATIVE_PROMPT,
                ),
            )
            for entry in capable
        ]
        return await self.router.submit_first(
            memo,
            attempts,
            shot_index=shot.shot_index,
            price=lambda entry: estimate_cost(entry, shot.duration_s),
            what=f"shot {shot.shot_index + 1}",
            notes=notes,
            first_frame=record,
        )

    async def await_result(
        self, job: ProviderJob, shot: ShotRender, plan: RenderPlan, product: ProductProfile
    ) -> list[ShotVisual]:
        url = await self.router.result_url(job, f"shot {shot.shot_index + 1}")
        data = await self.router.download(url)
        if not _looks_like_mp4(data[:16]):
            raise ProviderError(
                f"{job.model} returned something that is not an MP4", provider=self.name
            )
        clip = await self.storage.put_bytes(data, kind="clip", mime="video/mp4", ext="mp4")
        # One clip serves every aspect: compose scales and crops it to each frame.
        return [
            ShotVisual(shot_index=shot.shot_index, aspect=aspect, asset=clip, is_still=False)
            for aspect in plan.aspect_ratios
        ]

    def estimate(
        self, shot: ShotRender, plan: RenderPlan, models: ModelChoice | None = None
    ) -> tuple[str, float | None]:
        """The first model that can take the shot (the one submit tries first) and its
        price, plus the scenes its first frame may need (an image model configured)."""
        models = models or ModelChoice()
        aspect = plan.aspect_ratios[0]
        for entry in self._entries(plan.kind, models.video):
            if shot_problems(entry, shot.duration_s, aspect, people_in_shot=False):
                continue
            price = estimate_cost(entry, shot.duration_s)
            scene = self.scenes.estimate(aspect, models.image) if self.scenes else None
            if scene is None:
                return entry.id, price
            image_id, scene_price = scene
            total = None if price is None or scene_price is None else round(price + scene_price, 4)
            return f"{entry.id} + {image_id} first frame", total
        raise ProviderError(
            f"no configured model can take shot {shot.shot_index + 1}", provider=self.name
        )

    async def cancel(self, job: ProviderJob) -> None:
        await self.router.cancel(job)
