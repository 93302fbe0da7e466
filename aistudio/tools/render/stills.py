"""Stills the compose and publish steps need: caption overlays, end cards, storyboards.

A thin tool over the pure image builders, storing results content-addressed so a re-run
(or another aspect ratio sharing the same text) reuses them.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from aistudio.artifacts import (
    ASPECT_SIZES,
    AspectRatio,
    Asset,
    Caption,
    EndCard,
    Grade,
    Layout,
    ProductProfile,
    RenderPlan,
    ShotList,
    ShotVisual,
)
from aistudio.tools.protocols import Storage
from aistudio.tools.render.captions import caption_position, render_caption
from aistudio.tools.render.endcard import render_end_card
from aistudio.tools.render.grading import light_band
from aistudio.tools.render.layouts import end_card_subject, layout_source
from aistudio.tools.render.storyboard import render_storyboard
from aistudio.tools.render.workers import stills_thread

STILLS_VERSION = "stills-v3"  # v3: hook card, light band
HOOK_SCALE = 1.45  # the hook card's type, of the caption size
HOOK_CENTRE_Y = 0.16  # of the frame height


@dataclass(frozen=True)
class StoredOverlay:
    asset: Asset
    x: int
    y: int
    start_s: float
    end_s: float


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


class StillsRenderer:
    name = "local-stills"

    def __init__(self, storage: Storage, headroom: float) -> None:
        self.storage = storage
        self.headroom = headroom

    async def prepare(self, plan: RenderPlan, product: ProductProfile) -> None:
        """Render (and remember) every aspect's captions and end card ahead of compose: they
        need nothing the shots make, so the render step makes them while the shots render."""
        await asyncio.gather(
            *(
                job
                for aspect in plan.aspect_ratios
                for job in (
                    *(
                        self._caption(c.text, aspect, plan.caption_scale, plan.grade)
                        for c in plan.captions
                    ),
                    self.end_card(plan.end_card, product, aspect, plan.grade, plan.layout),
                )
            )
        )

    async def captions(
        self, captions: Sequence[Caption], aspect: AspectRatio, scale: float, grade: Grade
    ) -> list[StoredOverlay]:
        width, height = ASPECT_SIZES[aspect]

        async def one(caption: Caption) -> StoredOverlay:
            asset = await self._caption(caption.text, aspect, scale, grade)
            x, y = caption_position(width, height, asset.width or 0, asset.height or 0)
            return StoredOverlay(asset, x, y, caption.start_s, caption.end_s)

        return list(await asyncio.gather(*(one(c) for c in captions)))

    async def _caption(self, text: str, aspect: AspectRatio, scale: float, grade: Grade) -> Asset:
        memo = (
            "caption:"
            + hashlib.sha256(
                f"{STILLS_VERSION}|{text}|{aspect}|{scale}|{grade}".encode()
            ).hexdigest()
        )
        cached = await self.storage.recall(memo)
        if cached is not None and cached.width is not None and cached.height is not None:
            return cached
        width, height = ASPECT_SIZES[aspect]
        image = await stills_thread(render_caption, text, width, height, scale=scale, style=grade)
        asset = await self.storage.put_bytes(
            image.png,
            kind="caption_overlay",
            mime="image/png",
            ext="png",
            width=image.width,
            height=image.height,
        )
        await self.storage.remember(memo, asset)
        return asset

    async def hook(self, hook: Caption, aspect: AspectRatio, grade: Grade) -> StoredOverlay:
        """The opening hook card: the caption look at HOOK_SCALE, in the upper part of the
        frame (the product sits in the middle, captions below)."""
        width, height = ASPECT_SIZES[aspect]
        asset = await self._caption(hook.text, aspect, HOOK_SCALE, grade)
        w, h = asset.width or 0, asset.height or 0
        y = max(round(0.04 * height), round(HOOK_CENTRE_Y * height - h / 2))
        return StoredOverlay(asset, (width - w) // 2, y, hook.start_s, hook.end_s)

    async def light_band(self, aspect: AspectRatio) -> Asset:
        """The soft slanted band of light a light sweep moves across the frame."""
        memo = f"lightband:{STILLS_VERSION}:{aspect}"
        if (cached := await self.storage.recall(memo)) is not None:
            return cached
        image = await stills_thread(light_band, ASPECT_SIZES[aspect])
        asset = await self.storage.put_bytes(
            _png(image),
            kind="caption_overlay",
            mime="image/png",
            ext="png",
            width=image.width,
            height=image.height,
        )
        await self.storage.remember(memo, asset)
        return asset

    async def end_card(
        self,
        card: EndCard,
        product: ProductProfile,
        aspect: AspectRatio,
        grade: Grade,
        layout: Layout = "cutout",
    ) -> Asset:
        """The end card; its product is the cut-out, or the photo as a card (full_photo)."""
        source = layout_source(layout, product)
        memo = (
            "endcard:"
            + hashlib.sha256(
                f"{STILLS_VERSION}|{card.model_dump_json()}|{source.sha256}|{aspect}|"
                f"{grade}|{self.headroom}|{layout}".encode()
            ).hexdigest()
        )
        if (cached := await self.storage.recall(memo)) is not None:
            return cached
        source_path = await self.storage.path_of(source)

        def draw() -> tuple[bytes, int, int]:
            with Image.open(source_path) as opened:
                image = render_end_card(
                    card,
                    end_card_subject(layout, opened),
                    ASPECT_SIZES[aspect],
                    grade,
                    self.headroom,
                    photo=layout == "full_photo",
                )
            return _png(image), image.width, image.height

        data, width, height = await stills_thread(draw)
        asset = await self.storage.put_bytes(
            data, kind="end_card", mime="image/png", ext="png", width=width, height=height
        )
        await self.storage.remember(memo, asset)
        return asset

    async def storyboard(self, visuals: Sequence[ShotVisual], shots: ShotList, title: str) -> Asset:
        by_index = {v.shot_index: v for v in visuals}
        paths = [
            await self.storage.path_of(by_index[s.index].asset)
            for s in shots.shots
            if s.index in by_index
        ]
        notes = [
            f"{s.index + 1}. {s.duration_s:.1f}s {s.framing} {s.camera_move.replace('_', ' ')}"
            f"{' — ' + s.caption if s.caption else ''}"
            for s in shots.shots
            if s.index in by_index
        ]

        def draw() -> bytes:
            frames = []
            for path in paths:
                with Image.open(path) as im:
                    frames.append(im.convert("RGB"))
            return _png(render_storyboard(frames, notes, title))

        data = await stills_thread(draw)
        return await self.storage.put_bytes(data, kind="storyboard", mime="image/png", ext="png")
