"""The small Protocols that nodes call tools through.

Nodes import these types (never an SDK). Implementations live beside them in tools/ and
are chosen once, at start-up, by `aistudio.tools.toolbox.build_toolbox(settings)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from aistudio.artifacts import (
    Asset,
    AssetKind,
    AudioPlan,
    Brief,
    Concept,
    ModelChoice,
    ModerationVerdict,
    MusicMood,
    ProductProfile,
    ProviderJob,
    QAReport,
    RenderPlan,
    ShotList,
    ShotRender,
    ShotVisual,
    Violation,
)

ProgressFn = Callable[[float], None]  # fraction 0..1


class Storage(Protocol):
    name: str

    async def put_bytes(
        self, data: bytes, *, kind: AssetKind, mime: str, ext: str, **facts: Any
    ) -> Asset: ...

    async def put_file(
        self, path: Path, *, kind: AssetKind, mime: str, ext: str, move: bool = True, **facts: Any
    ) -> Asset: ...

    async def path_of(self, asset: Asset) -> Path: ...

    async def read_bytes(self, asset: Asset) -> bytes: ...

    async def exists(self, asset: Asset) -> bool: ...

    async def export(self, asset: Asset, dest: Path) -> Path: ...

    async def recall(self, memo_key: str) -> Asset | None: ...

    async def remember(self, memo_key: str, asset: Asset) -> None: ...

    async def delete(self, keys: Sequence[str]) -> None:
        """Remove stored objects (retention); keys that are gone already are skipped."""
        ...

    def scratch(self) -> AbstractAsyncContextManager[Path]:
        """A temporary folder, removed when the block ends."""
        ...

    async def sweep_scratch(self) -> list[Path]:
        """Remove the temporary folders of processes that died inside `scratch` (called at
        start-up; folders of live processes, here or on another server, are kept)."""
        ...


class Planner(Protocol):
    """The five creative agents. The offline planner and the LLM agents both implement it.

    `feedback` carries the violations of every failed QA pass so far on a retry (typed;
    `planner.feedback.Retry` says what each makes an agent change), so the agent fixes what
    was wrong instead of repeating itself.
    """

    name: str

    async def concept(
        self, brief: Brief, product: ProductProfile, feedback: Sequence[Violation] = ()
    ) -> Concept: ...

    async def visual(
        self,
        brief: Brief,
        product: ProductProfile,
        concept: Concept,
        feedback: Sequence[Violation] = (),
    ) -> ShotList: ...

    async def audio(
        self, brief: Brief, concept: Concept, shots: ShotList, feedback: Sequence[Violation] = ()
    ) -> AudioPlan: ...

    async def assembly(
        self,
        brief: Brief,
        product: ProductProfile,
        concept: Concept,
        shots: ShotList,
        audio: AudioPlan,
        feedback: Sequence[Violation] = (),
    ) -> RenderPlan: ...

    async def review(
        self,
        brief: Brief,
        concept: Concept,
        shots: ShotList,
        audio: AudioPlan,
        plan: RenderPlan,
        attempt: int,
    ) -> QAReport:
        """The plan judge (rules always; an LLM judge on top when one is configured)."""
        ...


@runtime_checkable
class TitleWriter(Protocol):
    """A planner that can name a finished job (the LLM one); others use the concept's."""

    async def title(self, brief: Brief, concept: Concept) -> str: ...


class ImageIngestor(Protocol):
    async def ingest(self, data: bytes, *, source_name: str = "") -> ProductProfile: ...


class BackgroundRemover(Protocol):
    """A hosted background-removal model (BiRefNet on fal, a rembg-class model on
    Replicate). Ingest scores its mask like any other and falls back when it fails."""

    async def remove_background(self, image: Asset) -> Asset:
        """An RGBA PNG the same size as `image`, alpha = the foreground."""
        ...


class Moderator(Protocol):
    name: str

    async def check_text(self, text: str, *, subject: str) -> ModerationVerdict: ...

    async def check_images(
        self, paths: Sequence[Path], *, subject: str, humans_allowed: bool
    ) -> ModerationVerdict: ...


class VideoProvider(Protocol):
    """Makes the visual material of one shot. Submit and await are separate graph nodes.

    `models` is the job's own choice of catalog models (None: the configured lists)."""

    name: str

    async def submit(
        self,
        job_id: str,
        shot: ShotRender,
        plan: RenderPlan,
        product: ProductProfile,
        models: ModelChoice | None = None,
    ) -> ProviderJob: ...

    async def await_result(
        self, job: ProviderJob, shot: ShotRender, plan: RenderPlan, product: ProductProfile
    ) -> list[ShotVisual]: ...

    async def cancel(self, job: ProviderJob) -> None: ...

    def estimate(
        self, shot: ShotRender, plan: RenderPlan, models: ModelChoice | None = None
    ) -> tuple[str, float | None]:
        """(model that would take the shot, its price in USD; None = unknown) — for quotes
        and budgets, before anything is paid. Scenes a shot's first frame may need are in
        the price."""
        ...


class VoiceSynth(Protocol):
    name: str
    voice_id: str

    async def synthesize(self, text: str, out: Path, *, length_scale: float = 1.0) -> float:
        """Write a mono WAV of `text` to `out`; return its duration in seconds."""
        ...


class MusicSynth(Protocol):
    name: str

    async def compose(
        self, mood: MusicMood, bpm: int, duration_s: float, seed: int, out: Path
    ) -> None:
        """Write a stereo WAV music bed of exactly `duration_s` to `out`."""
        ...
