"""The product in a scene: an image model's, when it kept the product, else the local one.

Refine's picture and every hosted shot's first frame come from here. With an image-edit
model configured, the photo and the shot's prompt make a scene, and the scene must show
the reference product (SIFT + RANSAC inliers against the cut-out, the pass mark of output
QA) before anything uses it, let alone pays a video model for it. A scene that loses the
product is remade once; when the remake loses it too, or the image provider fails, the
local compositor's keyframe (the product cut out on a backdrop) is used instead. The
returned record says which, with every scene request made (they were paid for).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from aistudio.artifacts import (
    AspectRatio,
    Asset,
    FirstFrame,
    ProductProfile,
    ProviderJob,
    RenderPlan,
    ShotRender,
)
from aistudio.errors import ProviderError
from aistudio.tools.image.hosted import SCENE_ATTEMPTS, HostedImageEditor
from aistudio.tools.protocols import Storage
from aistudio.tools.render.local import LocalVideoProvider
from aistudio.tools.vision.inspect import FrameInspector

log = logging.getLogger("aistudio.image")


@dataclass(frozen=True)
class Scene:
    asset: Asset  # the picture: a scene cropped to the aspect, or a keyframe (with headroom)
    record: FirstFrame

    @property
    def model(self) -> str | None:
        """The image model whose scene is used (None: the local compositor's keyframe)."""
        return self.record.scenes[-1].model if self.record.source == "scene" else None


def fallback_reason(inliers: Sequence[int], min_inliers: int, failure: str | None) -> str:
    """Why the keyframe was used (pure: unit-tested)."""
    if failure:
        return f"the image model failed: {failure}"
    counts = ", ".join(str(n) for n in inliers)
    plural = "scenes" if len(inliers) > 1 else "scene"
    return (
        f"the {plural} lost the product ({counts} fidelity inliers, {min_inliers} needed); "
        "the local keyframe was used"
    )


class SceneMaker:
    def __init__(
        self,
        editor: HostedImageEditor | None,
        keyframes: LocalVideoProvider,
        storage: Storage,
        inspector: FrameInspector,
        min_inliers: int,
    ) -> None:
        self.editor = editor
        self.keyframes = keyframes
        self.storage = storage
        self.inspector = inspector
        self.min_inliers = min_inliers

    @property
    def hosted(self) -> bool:
        return self.editor is not None

    @property
    def name(self) -> str:
        return self.editor.name if self.editor is not None else "local"

    def model_ids(self, chosen: str | None) -> list[str]:
        return [e.id for e in self.editor.entries(chosen)] if self.editor is not None else []

    def estimate(self, aspect: AspectRatio, chosen: str | None) -> tuple[str, float | None] | None:
        """(image model, the most a shot's scenes can cost) — None: scenes are local."""
        return self.editor.estimate(aspect, chosen) if self.editor is not None else None

    async def _inliers(self, product: ProductProfile, scene: Asset) -> int:
        reference = await self.storage.path_of(product.cutout)
        path = await self.storage.path_of(scene)

        def load() -> np.ndarray:
            with Image.open(path) as image:
                return np.asarray(image.convert("RGB"))

        frame = await asyncio.to_thread(load)
        [(inliers, _)] = await self.inspector.fidelity(reference, [frame])
        return inliers

    async def make(
        self,
        label: str,
        shot: ShotRender,
        plan: RenderPlan,
        product: ProductProfile,
        aspect: AspectRatio,
        chosen: str | None = None,
    ) -> Scene:
        """The shot's scene (`label` scopes the provider requests: the job id)."""
        scenes: list[ProviderJob] = []
        inliers: list[int] = []
        failure: str | None = None
        if self.editor is None:
            failure = "no image model is configured"
        else:
            for attempt in range(SCENE_ATTEMPTS):
                try:
                    job = await self.editor.submit(label, shot, product, aspect, attempt, chosen)
                except ProviderError as exc:
                    failure = exc.message
                    break
                try:
                    picture = await self.editor.result(job, aspect)
                except ProviderError as exc:
                    scenes.append(job.model_copy(update={"status": "failed", "error": exc.message}))
                    failure = exc.message
                    break
                scenes.append(job.model_copy(update={"status": "completed"}))
                inliers.append(await self._inliers(product, picture))
                if inliers[-1] >= self.min_inliers:
                    record = FirstFrame(
                        source="scene",
                        scenes=tuple(scenes),
                        fidelity_inliers=tuple(inliers),
                        min_inliers=self.min_inliers,
                    )
                    return Scene(picture, record)
                log.warning(
                    "%s shot %d: the %s scene lost the product (%d inliers < %d)%s",
                    label,
                    shot.shot_index + 1,
                    job.model,
                    inliers[-1],
                    self.min_inliers,
                    "; remaking it" if attempt + 1 < SCENE_ATTEMPTS else "",
                )
        reason = (
            failure
            if self.editor is None and failure
            else fallback_reason(inliers, self.min_inliers, failure)
        )
        keyframe = await self.keyframes.keyframe(shot, plan, product, aspect)
        record = FirstFrame(
            source="keyframe",
            scenes=tuple(scenes),
            fidelity_inliers=tuple(inliers),
            min_inliers=self.min_inliers,
            reason=reason,
        )
        return Scene(keyframe, record)
