"""The graph's QA retry edges, exercised for real: faults injected at the tool boundary,
the whole pipeline (real FFmpeg, OCR, voice) running on a short 1:1 video."""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from aistudio.artifacts import (
    AspectRatio,
    AudioPlan,
    Brief,
    Caption,
    Concept,
    Grade,
    ShotList,
    Violation,
)
from aistudio.jobs.recorder import RunRecorder
from aistudio.jobs.runner import JobResult, JobRunner
from aistudio.jobs.store import open_store
from aistudio.settings import Settings
from aistudio.tools.render.composer import VideoComposer
from aistudio.tools.render.stills import StillsRenderer, StoredOverlay
from aistudio.tools.toolbox import Toolbox, build_toolbox
from tests.conftest import sample, stored_events

pytestmark = pytest.mark.slow

BRIEF = "AURUM Eau de Parfum: amber and vanilla with sandalwood. Shop now at aurum.example"


def _brief(**changes: Any) -> Brief:
    base: dict[str, Any] = dict(
        kind="promo", text=BRIEF, voice_over=True, aspect_ratios=("1:1",), duration_s=8.0
    )
    base.update(changes)
    return Brief(**base)


async def _run(toolbox: Toolbox, job: str, brief: Brief, tmp: Path) -> tuple[JobResult, Any]:
    async with (
        open_store(toolbox.settings.database_url) as store,
        JobRunner(toolbox) as runner,
        RunRecorder(store, job, update_row=False) as recorder,
    ):
        result = await runner.run(
            job,
            brief=brief,
            image=sample("aurum-perfume.png"),
            out_dir=tmp / "out",
            events=recorder,
        )
    finished = collections.Counter(
        e["node"]
        for e in stored_events(toolbox.settings.data_dir, job)
        if e["event"] == "node_finished"
    )
    return result, finished


class WordyOnce:
    """A planner whose Audio agent writes an over-long script on its first try."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.audio_calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def audio(
        self, brief: Brief, concept: Concept, shots: ShotList, feedback: Sequence[Violation] = ()
    ) -> AudioPlan:
        self.audio_calls += 1
        plan: AudioPlan = await self.inner.audio(brief, concept, shots, feedback)
        if self.audio_calls == 1:
            # Forty words, none twice in a row: too long for the slot, not bad copy.
            words = " ".join(("soft", "light", "warm", "calm")[i % 4] for i in range(40))
            line = plan.script[0].model_copy(update={"text": words})
            plan = plan.model_copy(update={"script": (line, *plan.script[1:])})
        return plan


class DroppedCaptions(StillsRenderer):
    """Captions lost (not burned in) for the first `bad` compose passes."""

    def __init__(self, inner: StillsRenderer, bad: int) -> None:
        super().__init__(inner.storage, inner.headroom)
        self.bad = bad
        self.calls = 0

    async def captions(
        self, captions: Sequence[Caption], aspect: AspectRatio, scale: float, grade: Grade
    ) -> list[StoredOverlay]:
        self.calls += 1
        if self.calls <= self.bad:
            return []
        return await super().captions(captions, aspect, scale, grade)


def _toolbox(tmp: Path, **changes: Any) -> Toolbox:
    toolbox = build_toolbox(Settings(data_dir=tmp / "data"))
    return dataclasses.replace(toolbox, **changes)


def _with_stills(toolbox: Toolbox, stills: StillsRenderer) -> Toolbox:
    composer = VideoComposer(toolbox.storage, stills, toolbox.ffmpeg, toolbox.settings.render)
    return dataclasses.replace(toolbox, stills=stills, composer=composer)


async def test_failing_plan_goes_back_to_the_audio_agent_once(tmp_path: Path) -> None:
    toolbox = _toolbox(tmp_path)
    planner = WordyOnce(toolbox.planner)
    toolbox = dataclasses.replace(toolbox, planner=planner)
    result, finished = await _run(toolbox, "plan-retry", _brief(), tmp_path)
    assert result.status == "completed", result.values.get("output_qa")
    assert planner.audio_calls == 2
    assert finished["audio"] == 2 and finished["qa_plan"] == 2
    assert finished["concept"] == 1 and finished["visual"] == 1
    assert result.values["plan_attempts"] == 2


async def test_illegible_captions_are_enlarged_on_the_retry(tmp_path: Path) -> None:
    toolbox = _toolbox(tmp_path)
    stills = DroppedCaptions(toolbox.stills, bad=1)
    result, finished = await _run(
        _with_stills(toolbox, stills), "caption-retry", _brief(), tmp_path
    )
    assert result.status == "completed", result.values["output_qa"].violations
    assert finished["qa_output"] == 2 and finished["assembly"] == 2
    assert result.values["plan"].caption_scale > 1.0


async def test_out_of_retries_publishes_with_warnings(tmp_path: Path) -> None:
    toolbox = _toolbox(tmp_path)
    stills = DroppedCaptions(toolbox.stills, bad=99)
    result, finished = await _run(_with_stills(toolbox, stills), "warn", _brief(), tmp_path)
    assert result.status == "completed_with_warnings"
    assert finished["qa_output"] == 3  # the first pass + max_qa_retries (2)
    report = result.values["output_qa"]
    assert any(c.name.startswith("caption") and not c.passed for c in report.checks)
    assert (tmp_path / "out" / "qa.json").exists()
    assert (tmp_path / "out" / "video_1x1.mp4").exists()


async def test_moderation_block_fails_at_once(tmp_path: Path) -> None:
    toolbox = _toolbox(tmp_path)
    result, finished = await _run(
        toolbox, "blocked", _brief(text="Nude models with guns selling AURUM"), tmp_path
    )
    assert result.status == "failed"
    assert "moderate_input" in result.values["error"]
    assert "concept" not in finished and "render_submit" not in finished
    assert (tmp_path / "out" / "qa.json").exists()


class FlaggedPrompts:
    """A planner whose assembly writes a flagged shot prompt; `sanitise` rewrites it (or,
    with `fixes=False`, hands it back unchanged, like a model that will not help)."""

    def __init__(self, inner: Any, *, fixes: bool) -> None:
        self.inner = inner
        self.fixes = fixes
        self.sanitised: list[tuple[str, ...]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def assembly(self, *args: Any, **kwargs: Any) -> Any:
        plan = await self.inner.assembly(*args, **kwargs)
        first = plan.shots[0].model_copy(
            update={"prompt": plan.shots[0].prompt + ", next to a loaded AK-47 and ammunition"}
        )
        return plan.model_copy(update={"shots": (first, *plan.shots[1:])})

    async def sanitise(
        self, prompts_in: Sequence[str], *, kind: str = "promo", categories: Sequence[str] = ()
    ) -> tuple[str, ...]:
        self.sanitised.append(tuple(prompts_in))
        if not self.fixes:
            return tuple(prompts_in)
        return tuple(p.split(", next to a loaded")[0] for p in prompts_in)


async def test_flagged_prompts_are_sanitised_once(tmp_path: Path) -> None:
    toolbox = _toolbox(tmp_path)
    planner = FlaggedPrompts(toolbox.planner, fixes=True)
    result, _ = await _run(
        dataclasses.replace(toolbox, planner=planner),
        "sanitised",
        _brief(voice_over=False),
        tmp_path,
    )
    assert result.status == "completed", result.values.get("error")
    assert len(planner.sanitised) == 1
    assert "AK-47" not in result.values["plan"].shots[0].prompt
    verdict = next(v for v in result.values["moderation"] if v.subject == "prompts")
    assert verdict.allowed
    assert "sanitised after weapons" in verdict.reason


async def test_prompts_still_flagged_after_sanitising_block_the_job(tmp_path: Path) -> None:
    toolbox = _toolbox(tmp_path)
    planner = FlaggedPrompts(toolbox.planner, fixes=False)
    result, finished = await _run(
        dataclasses.replace(toolbox, planner=planner), "flagged", _brief(voice_over=False), tmp_path
    )
    assert result.status == "failed"
    assert "shot prompts were flagged (weapons)" in result.values["error"]
    assert "render_submit" not in finished  # nothing was paid for
