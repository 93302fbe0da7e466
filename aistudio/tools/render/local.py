"""The local video provider: keyframes composed from the reference photo, on this machine.

Submit is free and instant (the request id is the hash of everything that shapes the
keyframes); await renders them, content-addressed, so a resumed or repeated job reuses
every keyframe it already made.
"""

from __future__ import annotations

import asyncio
import hashlib
import io

from PIL import Image

from aistudio.artifacts import (
    ASPECT_SIZES,
    AspectRatio,
    Asset,
    ModelChoice,
    ProductProfile,
    ProviderJob,
    RenderPlan,
    ShotRender,
    ShotVisual,
)
from aistudio.tools.protocols import Storage
from aistudio.tools.render.layouts import draw_keyframe, layout_source, photo_facts
from aistudio.tools.render.workers import stills_thread

RENDERER_VERSION = "local-compositor-v8"  # v5: phone films of small photos not cropped to a blur


class LocalVideoProvider:
    name = "local"

    def __init__(self, storage: Storage, headroom: float) -> None:
        self.storage = storage
        self.headroom = headroom

    async def submit(
        self,
        job_id: str,
        shot: ShotRender,
        plan: RenderPlan,
        product: ProductProfile,
        models: ModelChoice | None = None,  # hosted models only: validated away before a job
    ) -> ProviderJob:
        facts = photo_facts(plan.kind, product)
        fingerprint = "|".join(
            (
                RENDERER_VERSION,
                shot.model_dump_json(),
                plan.grade,
                ",".join(plan.aspect_ratios),
                plan.layout,
                layout_source(plan.layout, product).sha256,
                repr(facts) if plan.layout == "full_photo" else "",
                str(self.headroom),
            )
        )
        request_id = hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
        return ProviderJob(
            provider=self.name,
            model=RENDERER_VERSION,
            request_id=request_id,
            shot_index=shot.shot_index,
            cost_usd=0.0,
        )

    async def keyframe(
        self, shot: ShotRender, plan: RenderPlan, product: ProductProfile, aspect: AspectRatio
    ) -> Asset:
        """The shot's keyframe (also the first frame hosted models animate: in the frame's
        own shape, so without a pan's extra travel)."""
        shot = shot.model_copy(update={"travel": 1.0})
        job = await self.submit("", shot, plan, product)
        return (await self._one(job, shot, plan, product, aspect)).asset

    async def _one(
        self,
        job: ProviderJob,
        shot: ShotRender,
        plan: RenderPlan,
        product: ProductProfile,
        aspect: AspectRatio,
    ) -> ShotVisual:
        memo = f"keyframe:{job.request_id}:{aspect}"
        asset = await self.storage.recall(memo)
        if asset is None:
            source = await self.storage.path_of(layout_source(plan.layout, product))
            facts = photo_facts(plan.kind, product)

            def draw() -> tuple[bytes, int, int]:
                with Image.open(source) as im:
                    frame = draw_keyframe(
                        plan.layout,
                        im,
                        shot,
                        ASPECT_SIZES[aspect],
                        plan.grade,
                        self.headroom,
                        facts,
                    )
                buffer = io.BytesIO()
                frame.save(buffer, format="PNG", compress_level=1)  # speed over size
                return buffer.getvalue(), frame.width, frame.height

            data, width, height = await stills_thread(draw)
            asset = await self.storage.put_bytes(
                data, kind="keyframe", mime="image/png", ext="png", width=width, height=height
            )
            await self.storage.remember(memo, asset)
        return ShotVisual(shot_index=shot.shot_index, aspect=aspect, asset=asset, is_still=True)

    async def await_result(
        self, job: ProviderJob, shot: ShotRender, plan: RenderPlan, product: ProductProfile
    ) -> list[ShotVisual]:
        return list(
            await asyncio.gather(
                *(self._one(job, shot, plan, product, aspect) for aspect in plan.aspect_ratios)
            )
        )

    async def cancel(self, job: ProviderJob) -> None:
        return None  # nothing runs between submit and await locally

    def estimate(
        self, shot: ShotRender, plan: RenderPlan, models: ModelChoice | None = None
    ) -> tuple[str, float | None]:
        return RENDERER_VERSION, 0.0
