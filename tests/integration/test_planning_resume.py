"""The planning subgraph is durable: a job that crashes while planning resumes inside the
subgraph from its checkpoint, and no planning step that had finished runs again."""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from aistudio.artifacts import AudioPlan, Brief, Concept, ShotList, Violation
from aistudio.jobs.recorder import RunRecorder
from aistudio.jobs.runner import JobRunner
from aistudio.jobs.store import open_store
from aistudio.pipeline import AWAITING_APPROVAL, PLANNING_STEPS
from aistudio.settings import Settings
from aistudio.tools.toolbox import build_toolbox
from tests.conftest import sample, stored_events


class CrashOnce:
    """A planner whose Audio agent crashes (a bug, not a provider error) the first time."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.audio_calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def audio(
        self, brief: Brief, concept: Concept, shots: ShotList, feedback: Sequence[Violation] = ()
    ) -> AudioPlan:
        self.audio_calls += 1
        if self.audio_calls == 1:
            raise RuntimeError("the process dies here")
        plan: AudioPlan = await self.inner.audio(brief, concept, shots, feedback)
        return plan


async def test_a_crash_while_planning_resumes_inside_the_subgraph(tmp_path: Path) -> None:
    toolbox = build_toolbox(Settings(data_dir=tmp_path / "data"))
    planner = CrashOnce(toolbox.planner)
    toolbox = dataclasses.replace(toolbox, planner=planner)
    # approve_plan: the run stops before the first render, so the test plans only.
    brief = Brief(
        kind="promo",
        text="AURUM Eau de Parfum: amber and vanilla. Shop now",
        voice_over=True,
        aspect_ratios=("1:1",),
        duration_s=8.0,
        approve_plan=True,
    )
    job = "crash-in-planning"
    url = toolbox.settings.database_url
    async with open_store(url) as store, JobRunner(toolbox) as runner:
        with pytest.raises(RuntimeError, match="dies here"):
            async with RunRecorder(store, job, update_row=False) as recorder:
                await runner.run(
                    job, brief=brief, image=sample("aurum-perfume.png"), events=recorder
                )
    # A new process, as after a restart.
    async with (
        open_store(url) as store,
        JobRunner(toolbox) as runner,
        RunRecorder(store, job, update_row=False) as recorder,
    ):
        result = await runner.run(job, events=recorder)
    assert result.resumed and result.status == AWAITING_APPROVAL
    assert result.values["plan_qa"].passed

    events = stored_events(toolbox.settings.data_dir, job)
    finished = collections.Counter(e["node"] for e in events if e["event"] == "node_finished")
    assert all(finished[step] == 1 for step in PLANNING_STEPS), finished
    resumed_at = [e["event"] for e in events].index("job_resumed")
    started_after = [e["node"] for e in events[resumed_at:] if e["event"] == "node_started"]
    assert started_after == ["audio", "assembly", "qa_plan", "render_submit"]
    assert planner.audio_calls == 2
    # The job's counters came out of the subgraph once, not doubled by the hand-over.
    assert result.values["plan_attempts"] == 1
    assert len(result.values["moderation"]) == 3  # brief, photo, shot prompts
