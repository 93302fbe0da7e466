"""One real render per layout family on real photos (tests/corpus/photos), through the
whole graph: the cut-out on a studio set, the photo as a card over its blurred fill, and
the phone look of UGC. Every output check must pass and the job end `completed`."""

from __future__ import annotations

import collections
import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from aistudio.artifacts import Brief, Concept, ProductProfile, ShotList, Violation
from aistudio.jobs.recorder import RunRecorder
from aistudio.jobs.runner import JobResult, JobRunner
from aistudio.jobs.store import open_store
from aistudio.settings import Settings
from aistudio.tools.toolbox import Toolbox, build_toolbox
from tests.conftest import stored_events
from tests.media_assert import measure

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "photos"


async def _run(
    toolbox: Toolbox, job: str, brief: Brief, photo: str, out: Path
) -> tuple[JobResult, collections.Counter[str]]:
    async with (
        open_store(toolbox.settings.database_url) as store,
        JobRunner(toolbox) as runner,
        RunRecorder(store, job, update_row=False) as recorder,
    ):
        result = await runner.run(
            job, brief=brief, image=CORPUS / photo, out_dir=out, events=recorder
        )
    finished = collections.Counter(
        e["node"]
        for e in stored_events(toolbox.settings.data_dir, job)
        if e["event"] == "node_finished"
    )
    return result, finished


def _all_checks_pass(result: JobResult, out: Path) -> None:
    assert result.status == "completed", result.values.get("output_qa") or result.values
    qa = json.loads((out / "qa.json").read_text())
    failing = [c for stage in ("plan", "output") for c in qa[stage]["checks"] if not c["passed"]]
    assert not failing, failing
    # Every delivered file, metered independently of the code under test.
    for video in sorted(out.glob("video_*.mp4")):
        m = measure(video, imageio_ffmpeg.get_ffmpeg_exe())
        assert abs(m.lufs + 14.0) <= 0.5 and m.true_peak <= -1.0, (video.name, m)


class InsistsOnTheCutout:
    """A Visual agent (say, an LLM) that plans the cut-out once, whatever its score."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.visual_calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def visual(
        self,
        brief: Brief,
        product: ProductProfile,
        concept: Concept,
        feedback: Sequence[Violation] = (),
    ) -> ShotList:
        self.visual_calls += 1
        shots: ShotList = await self.inner.visual(brief, product, concept, feedback)
        return shots.model_copy(update={"layout": "cutout"}) if self.visual_calls == 1 else shots


async def test_a_scene_is_filmed_as_a_photo_card_and_qa_refuses_its_cut_out(
    tmp_path: Path,
) -> None:
    toolbox = build_toolbox(Settings(data_dir=tmp_path / "data"))
    planner = InsistsOnTheCutout(toolbox.planner)
    toolbox = dataclasses.replace(toolbox, planner=planner)
    brief = Brief(
        kind="promo",
        text="Pikolo espresso: single origin, roasted this week. Order at pikolo.example",
        aspect_ratios=("9:16",),
        duration_s=8.0,
    )
    out = tmp_path / "out"
    result, finished = await _run(toolbox, "coffee-card", brief, "scene-coffee.jpg", out)
    # The first plan cut the cup out of its table; plan QA sent it back to Visual once.
    assert finished["visual"] == 2 and finished["qa_plan"] == 2
    assert planner.visual_calls == 2
    assert result.values["product"].layout == "full_photo"
    assert result.values["plan"].layout == "full_photo"
    _all_checks_pass(result, out)
    plan_checks = json.loads((out / "qa.json").read_text())["plan"]["checks"]
    assert any(c["name"] == "cutout_quality" for c in plan_checks)


async def test_a_clean_packshot_is_cut_out_onto_a_studio_set(tmp_path: Path) -> None:
    toolbox = build_toolbox(Settings(data_dir=tmp_path / "data"))
    brief = Brief(
        kind="promo",
        text="Garden strawberries, picked ripe this morning. Order a punnet today",
        aspect_ratios=("1:1",),
        duration_s=8.0,
    )
    out = tmp_path / "out"
    result, _ = await _run(toolbox, "strawberry-cut", brief, "packshot-strawberry.jpg", out)
    assert result.values["plan"].layout == "cutout"
    _all_checks_pass(result, out)


async def test_ugc_films_the_whole_photo_hand_held(tmp_path: Path) -> None:
    toolbox = build_toolbox(Settings(data_dir=tmp_path / "data"))
    brief = Brief(
        kind="ugc",
        text="I switched to this little bulb for my reading lamp and the light is so warm",
        voice_over=True,
        aspect_ratios=("9:16",),
        duration_s=8.0,
    )
    out = tmp_path / "out"
    result, _ = await _run(toolbox, "bulb-ugc", brief, "packshot-lightbulb.jpg", out)
    plan = result.values["plan"]
    assert plan.layout == "full_photo"
    assert {s.camera_move for s in plan.shots} == {"handheld"}
    _all_checks_pass(result, out)
    # Edge to edge, as a phone films: the keyframe's corners are the photo's backdrop
    # (light), not a blurred, dimmed fill or a studio set.
    with Image.open(out / "storyboard.png") as board:
        assert board.width > 0
    with Image.open(out / "poster_9x16.jpg") as poster:
        pixels = np.asarray(poster.convert("L"), dtype=np.float32)
    assert pixels[:60, :60].mean() > 150 and pixels[:60, -60:].mean() > 150
