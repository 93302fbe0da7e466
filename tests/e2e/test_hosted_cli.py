"""The CLI on hosted providers: the whole graph through the real fal-client / replicate SDKs
against loopback fakes (scenes from the image models as first frames when SERVICE_TYPE
picks a provider for both), and a SIGKILL while awaiting the provider followed by a
restart — the provider must see exactly one submission per shot."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aistudio.tools.vision.fidelity import FidelityScorer
from tests.conftest import sample
from tests.e2e.test_cli_generate import CASES
from tests.fakes.asgi import FaultPlan, serving
from tests.fakes.fal import FakeFal, FalBehaviour
from tests.fakes.langsmith import FakeLangSmith
from tests.fakes.media import ProductLoss, cutout_png
from tests.fakes.replicate import FakeReplicate
from tests.media_assert import measure

pytestmark = pytest.mark.slow
POLLING = {
    "AISTUDIO_PROVIDERS__POLL_INITIAL_S": "0.05",
    "AISTUDIO_PROVIDERS__POLL_MAX_S": "0.3",
    "AISTUDIO_PROVIDERS__BACKOFF_S": "0.02",
    "AISTUDIO_PROVIDERS__REQUEST_TIMEOUT_S": "2",
    "AISTUDIO_PROVIDERS__CALL_ATTEMPTS": "10",
}


def _env(cli_env: dict[str, str], **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in cli_env.items()
        if k not in ("SERVICE_TYPE", "FAL_KEY", "REPLICATE_API_TOKEN")
    }
    return {**env, **POLLING, **extra}


def _cmd(aistudio_cmd: list[str], kind: str, tmp: Path, job: str) -> list[str]:
    image, brief = CASES[kind]
    return [
        *aistudio_cmd,
        "generate",
        kind,
        "--image",
        str(sample(image)),
        "--brief",
        brief,
        "--duration",
        "8",
        "--data-dir",
        str(tmp / "data"),
        "--out",
        str(tmp / "out"),
        "--job-id",
        job,
    ]


async def _run(cmd: list[str], env: dict[str, str]) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *cmd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=600)
    return proc.returncode or 0, out.decode(errors="replace")


def _shots(out: Path) -> int:
    return len(json.loads((out / "plan.json").read_text())["shots"]["shots"])


def _check_output(out: Path, ffmpeg_exe: str, provider: str) -> None:
    m = measure(out / "video_9x16.mp4", ffmpeg_exe)
    assert abs(m.duration_s - 8.0) <= 0.25
    assert (m.width, m.height, m.video_codec, m.audio_codec) == (1080, 1920, "h264", "aac")
    qa = json.loads((out / "qa.json").read_text())
    assert qa["passed"], [c for c in qa["output"]["checks"] if not c["passed"]]
    jobs = json.loads((out / "provenance.json").read_text())["render_jobs"]
    assert len(jobs) == _shots(out)
    assert {j["provider"] for j in jobs} == {provider}
    assert all(j["request_id"] and j["status"] == "completed" for j in jobs)


@pytest.fixture
async def fal_fake() -> AsyncIterator[FakeFal]:
    # Every scene of the first shot the fake sees loses the product (its remake too).
    fake = FakeFal(
        faults=FaultPlan(rate=0.3, spare=frozenset({"token"}), hang_s=3.0, seed=3),
        behaviour=FalBehaviour(lose_product=ProductLoss(first_shot=True)),
    )
    async with serving(fake):
        yield fake


def _product_scorer() -> FidelityScorer:
    cut = Image.open(io.BytesIO(cutout_png(sample(CASES["ugc"][0]).read_bytes())))
    return FidelityScorer(np.asarray(cut.convert("RGBA")))


async def test_ugc_on_fal_images_and_video_with_thirty_percent_faults(
    fal_fake: FakeFal,
    tmp_path: Path,
    aistudio_cmd: list[str],
    cli_env: dict[str, str],
    ffmpeg_exe: str,
) -> None:
    # SERVICE_TYPE picks fal for the scenes too: each shot starts from an image model's
    # scene that kept the product, else (the first shot here) from the local keyframe.
    env = _env(
        cli_env,
        SERVICE_TYPE="falai",
        FAL_KEY="fal-test-key",
        AISTUDIO_PROVIDERS__FAL_QUEUE_URL=fal_fake.base_url,
    )
    code, log = await _run(_cmd(aistudio_cmd, "ugc", tmp_path, "fal-ugc"), env)
    assert code == 0, log[-4000:]
    out = tmp_path / "out"
    _check_output(out, ffmpeg_exe, "fal")
    shots = _shots(out)
    # one paid clip per shot, one paid scene per shot plus the lost shot's remake
    assert len(fal_fake.submissions("video")) == shots
    assert len(fal_fake.submissions("image")) == shots + 1
    assert fal_fake.faults_injected  # the run went through injected faults
    frames = [
        s["first_frame"] for s in json.loads((out / "provenance.json").read_text())["render_jobs"]
    ]
    assert sorted(f["source"] for f in frames) == ["keyframe"] + ["scene"] * (shots - 1)
    lost = next(f for f in frames if f["source"] == "keyframe")
    assert "lost the product" in lost["reason"] and len(lost["scenes"]) == 2
    # no video model was sent a frame without the product
    scorer = _product_scorer()
    for video in fal_fake.submissions("video"):
        frame = np.asarray(Image.open(io.BytesIO(fal_fake.first_frame(video))).convert("RGB"))
        assert scorer.score(frame).inliers >= 12


async def test_fashion_and_promo_on_replicate(
    tmp_path: Path,
    aistudio_cmd: list[str],
    cli_env: dict[str, str],
    ffmpeg_exe: str,
) -> None:
    fake = FakeReplicate()
    async with serving(fake):
        env = _env(
            cli_env,
            SERVICE_TYPE="replicate",
            REPLICATE_API_TOKEN="r8-test",  # noqa: S106 - the fake's token
            AISTUDIO_PROVIDERS__REPLICATE_BASE_URL=fake.base_url,
        )
        for kind in ("fashion", "promo"):
            job_dir = tmp_path / kind
            videos, scenes = len(fake.submissions("video")), len(fake.submissions("image"))
            code, log = await _run(_cmd(aistudio_cmd, kind, job_dir, f"rep-{kind}"), env)
            assert code == 0, log[-4000:]
            _check_output(job_dir / "out", ffmpeg_exe, "replicate")
            shots = _shots(job_dir / "out")
            # SERVICE_TYPE picks Replicate for the scenes too: one scene, one clip a shot
            assert len(fake.submissions("video")) - videos == shots
            assert len(fake.submissions("image")) - scenes == shots
    assert {r.path for r in fake.submissions("video")} == {
        "/v1/models/bytedance/seedance-2.0/predictions",
        "/v1/models/kwaivgi/kling-v3-video/predictions",
    }
    assert {r.path for r in fake.submissions("image")} == {
        "/v1/models/black-forest-labs/flux-kontext-pro/predictions"
    }


async def test_sigkill_while_awaiting_the_provider_submits_once(
    tmp_path: Path,
    aistudio_cmd: list[str],
    cli_env: dict[str, str],
    ffmpeg_exe: str,
) -> None:
    release = asyncio.Event()
    fake = FakeFal(behaviour=FalBehaviour(hold=release))
    async with serving(fake):
        env = _env(
            cli_env,
            AISTUDIO_PROVIDERS__VIDEO="fal",
            FAL_KEY="fal-test-key",
            AISTUDIO_PROVIDERS__FAL_QUEUE_URL=fake.base_url,
        )
        cmd = _cmd(aistudio_cmd, "promo", tmp_path, "fal-kill")
        first = await asyncio.create_subprocess_exec(
            *cmd,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 300
        # awaiting: every shot submitted and being polled
        while not (fake.submissions() and fake.count("status") > 2 * len(fake.submissions())):
            assert loop.time() < deadline, "the job never reached render_await"
            assert first.returncode is None, "the first run ended on its own"
            await asyncio.sleep(0.1)
        submitted = len(fake.submissions())
        os.killpg(first.pid, signal.SIGKILL)
        await first.wait()
        release.set()
        code, log = await _run(cmd, env)
        assert code == 0, log[-4000:]
        out = tmp_path / "out"
        _check_output(out, ffmpeg_exe, "fal")
        assert submitted == _shots(out)
        assert len(fake.submissions()) == submitted  # the restart polled, never resubmitted
        assert fake.count("upload") == submitted


async def test_a_shot_that_loses_the_product_is_remade_alone(
    tmp_path: Path,
    aistudio_cmd: list[str],
    cli_env: dict[str, str],
    ffmpeg_exe: str,
) -> None:
    fake = FakeFal(behaviour=FalBehaviour(blank_submissions={2}))
    async with serving(fake):
        env = _env(
            cli_env,
            AISTUDIO_PROVIDERS__VIDEO="fal",
            FAL_KEY="fal-test-key",
            AISTUDIO_PROVIDERS__FAL_QUEUE_URL=fake.base_url,
        )
        code, log = await _run(_cmd(aistudio_cmd, "promo", tmp_path, "fal-remake"), env)
    assert code == 0, log[-4000:]
    out = tmp_path / "out"
    _check_output(out, ffmpeg_exe, "fal")
    shots = _shots(out)
    # every shot once, plus the one remade shot: the others were not paid for again
    assert len(fake.submissions()) == shots + 1
    # provenance lists every submission: one shot has two takes, the current one the last
    provenance = json.loads((out / "provenance.json").read_text())
    takes = provenance["submissions"]
    assert len(takes) == shots + 1
    current = {j["shot_index"]: j["request_id"] for j in provenance["render_jobs"]}
    remade_shot = takes[-1]["shot_index"]
    assert current[remade_shot] == takes[-1]["request_id"]
    assert [t["shot_index"] for t in takes].count(remade_shot) == 2
    qa = json.loads((out / "qa.json").read_text())
    assert qa["output"]["attempt"] == 1  # the second output QA passed
    remade, blank = fake.submissions()[-1].json(), fake.submissions()[1].json()
    assert remade["prompt"] == blank["prompt"]


async def test_over_budget_fails_before_any_submission(
    tmp_path: Path,
    aistudio_cmd: list[str],
    cli_env: dict[str, str],
) -> None:
    fake = FakeFal()
    async with serving(fake):
        env = _env(
            cli_env,
            AISTUDIO_PROVIDERS__VIDEO="fal",
            FAL_KEY="fal-test-key",
            AISTUDIO_PROVIDERS__FAL_QUEUE_URL=fake.base_url,
            AISTUDIO_PROVIDERS__MAX_COST_USD_PER_JOB="0.50",
        )
        code, log = await _run(_cmd(aistudio_cmd, "promo", tmp_path, "fal-budget"), env)
    assert code != 0
    assert "over the job's budget of $0.50" in log
    assert fake.submissions() == []
    assert fake.count("upload") == 0


async def test_permanent_provider_failure_ends_the_job_with_its_reason(
    tmp_path: Path,
    aistudio_cmd: list[str],
    cli_env: dict[str, str],
) -> None:
    every_model = {
        "bytedance/seedance-2.0/image-to-video",
        "fal-ai/kling-video/v3/pro/image-to-video",
        "fal-ai/wan/v2.7/image-to-video",
    }
    fake = FakeFal(behaviour=FalBehaviour(fail_models=every_model))
    async with serving(fake):
        env = _env(
            cli_env,
            AISTUDIO_PROVIDERS__VIDEO="fal",
            FAL_KEY="fal-test-key",
            AISTUDIO_PROVIDERS__FAL_QUEUE_URL=fake.base_url,
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        code, log = await _run(_cmd(aistudio_cmd, "promo", tmp_path, "fal-denied"), env)
        assert loop.time() - started < 120
    assert code == 1, log[-3000:]
    assert "content policy violation" in log
    qa = json.loads((tmp_path / "out" / "qa.json").read_text())
    assert "render_await" in qa["error"]


async def test_doctor_reports_hosted_providers(
    tmp_path: Path,
    aistudio_cmd: list[str],
    cli_env: dict[str, str],
) -> None:
    fal, rep = FakeFal(), FakeReplicate()
    async with serving(fal), serving(rep):
        doctor = [*aistudio_cmd, "doctor", "--data-dir", str(tmp_path / "data")]
        env = _env(
            cli_env,
            COLUMNS="200",
            AISTUDIO_PROVIDERS__VIDEO="fal",
            FAL_KEY="k",
            AISTUDIO_PROVIDERS__FAL_QUEUE_URL=fal.base_url,
        )
        code, log = await _run(doctor, env)
        assert code == 0, log
        assert "video: fal" in log
        assert "reachable (HTTP 404)" in log
        assert fal.requests[-1].headers["authorization"] == "Key k"

        env = _env(
            cli_env,
            COLUMNS="200",
            SERVICE_TYPE="replicate",
            REPLICATE_API_TOKEN="bad",  # noqa: S106 - a wrong token on purpose
            AISTUDIO_PROVIDERS__REPLICATE_BASE_URL=rep.base_url,
        )
        code, log = await _run(doctor, env)
        assert code == 1
        assert "credentials were refused (HTTP 401)" in log

        env["AISTUDIO_PROVIDERS__REPLICATE_BASE_URL"] = "http://127.0.0.1:9"  # nothing there
        code, log = await _run(doctor, env)
        assert code == 1
        assert "video: replicate" in log


async def test_doctor_reports_langsmith_tracing(
    tmp_path: Path,
    aistudio_cmd: list[str],
    cli_env: dict[str, str],
) -> None:
    doctor = [*aistudio_cmd, "doctor", "--data-dir", str(tmp_path / "data")]
    code, log = await _run(doctor, _env(cli_env, COLUMNS="200", LANGSMITH_TRACING="true"))
    assert code == 0, log
    assert "LANGSMITH_API_KEY is missing" in log

    smith = FakeLangSmith()
    async with serving(smith):
        env = _env(
            cli_env,
            COLUMNS="200",
            LANGSMITH_TRACING="true",
            LANGSMITH_API_KEY="lsv2_pt_doctor",
            LANGSMITH_ENDPOINT=smith.base_url,
            LANGSMITH_PROJECT="launch",
        )
        code, log = await _run(doctor, env)
    assert code == 0, log
    assert "tracing: LangSmith project launch" in log and "reachable (HTTP 200)" in log
    assert smith.requests[-1].headers["x-api-key"] == "lsv2_pt_doctor"
