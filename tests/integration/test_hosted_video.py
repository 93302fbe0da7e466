"""Hosted image-to-video through the real fal-client and replicate SDKs against loopback
fakes that speak their wire protocols, with fault injection."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path

import av
import pytest

from aistudio.artifacts import Brief, ProductProfile, RenderPlan
from aistudio.errors import ProviderError
from aistudio.settings import Settings
from aistudio.tools.render.local import LocalVideoProvider
from aistudio.tools.toolbox import Toolbox, build_toolbox
from aistudio.tools.video.catalog import load_catalog
from aistudio.tools.video.fal import FalBackend, FalEndpoints
from aistudio.tools.video.hosted import HostedPolicy, HostedVideoProvider, ProviderBackend
from aistudio.tools.video.replicate import ReplicateBackend
from tests.conftest import sample
from tests.fakes.asgi import FaultPlan, serving
from tests.fakes.fal import FakeFal, FalBehaviour
from tests.fakes.replicate import FakeReplicate, ReplicateBehaviour

FAST = HostedPolicy(
    attempts=8,
    backoff_s=0.01,
    max_backoff_s=0.05,
    poll_initial_s=0.01,
    poll_max_s=0.05,
    deadline_s=60.0,
    call_timeout_s=1.5,
)
FAL_MODELS = {"promo": ("seedance-2.0", "kling-3.0-pro", "wan-2.7")}
REPLICATE_MODELS = {"promo": ("replicate-seedance-2.0", "replicate-kling-3.0")}


@dataclasses.dataclass
class Planned:
    tools: Toolbox
    plan: RenderPlan
    product: ProductProfile


async def _plan(data_dir: Path) -> Planned:
    tools = build_toolbox(Settings(data_dir=data_dir))
    data = await asyncio.to_thread(sample("aurum-perfume.png").read_bytes)
    product = await tools.ingestor.ingest(data)
    brief = Brief(
        kind="promo",
        text="AURUM Eau de Parfum, amber and vanilla. Shop now",
        voice_over=False,
        aspect_ratios=("9:16",),
        duration_s=8.0,
    )
    concept = await tools.planner.concept(brief, product)
    shots = await tools.planner.visual(brief, product, concept)
    audio = await tools.planner.audio(brief, concept, shots)
    plan = await tools.planner.assembly(brief, product, concept, shots, audio)
    return Planned(tools, plan, product)


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Planned:
    # Planned once per module (ingest is the slow part); the tools are loop-agnostic.
    return asyncio.run(_plan(tmp_path_factory.mktemp("hosted")))


def _provider(
    planned: Planned,
    backend: ProviderBackend,
    models: Mapping[str, Sequence[str]],
    policy: HostedPolicy = FAST,
    catalog_path: Path | None = None,
) -> HostedVideoProvider:
    storage = planned.tools.storage
    keyframes = LocalVideoProvider(storage, planned.tools.settings.render.motion_headroom)
    return HostedVideoProvider(
        backend, load_catalog(catalog_path), models, storage, keyframes, policy=policy
    )


@pytest.fixture
async def fal() -> AsyncIterator[FakeFal]:
    fake = FakeFal()
    async with serving(fake):
        yield fake


def _fal_backend(fake: FakeFal) -> FalBackend:
    return FalBackend(
        "key-id:key-secret", endpoints=FalEndpoints(fake.base_url, fake.base_url, fake.base_url)
    )


async def _render_all(provider: HostedVideoProvider, planned: Planned, job_id: str) -> list[Path]:
    plan, product = planned.plan, planned.product
    jobs = [await provider.submit(job_id, shot, plan, product) for shot in plan.shots]
    shots = {s.shot_index: s for s in plan.shots}
    paths = []
    for job in jobs:
        visuals = await provider.await_result(job, shots[job.shot_index], plan, product)
        assert [v.is_still for v in visuals] == [False]
        paths.append(await planned.tools.storage.path_of(visuals[0].asset))
    return paths


def _seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        return float(container.duration or 0) / av.time_base


async def test_fal_round_trip_on_the_wire(planned: Planned, fal: FakeFal) -> None:
    provider = _provider(planned, _fal_backend(fal), FAL_MODELS)
    clips = await _render_all(provider, planned, "fal-happy")
    shots = planned.plan.shots
    assert len(fal.submissions()) == len(shots)
    assert fal.count("upload") == len(shots)  # one first frame per shot
    first = fal.submissions()[0]
    assert first.path == "/bytedance/seedance-2.0/image-to-video"
    assert first.headers["authorization"] == "Key key-id:key-secret"
    body = first.json()
    assert body["image_url"].startswith(f"{fal.base_url}/media/")
    assert body["duration"] == str(max(4, int(-(-shots[0].duration_s // 1))))
    assert body["aspect_ratio"] == "9:16"
    assert body["generate_audio"] is False
    assert body["prompt"] == shots[0].prompt
    assert body["prompt"]  # the planner wrote one, with the fidelity clause
    # the uploaded first frame is a JPEG of the shot at 9:16
    upload = next(r for r in fal.requests if r.route == "upload")
    assert upload.headers["content-type"] == "image/jpeg"
    assert upload.body[:2] == b"\xff\xd8"
    for clip, shot in zip(clips, shots, strict=True):
        assert _seconds(clip) >= shot.duration_s - 0.05
    # polling backed off: a few status calls per shot, not a tight loop
    assert fal.count("status") <= 4 * len(shots)


async def test_submit_is_remembered_so_a_rerun_does_not_pay_twice(
    planned: Planned, fal: FakeFal
) -> None:
    provider = _provider(planned, _fal_backend(fal), FAL_MODELS)
    shot = planned.plan.shots[0]
    first = await provider.submit("fal-once", shot, planned.plan, planned.product)
    again = await provider.submit("fal-once", shot, planned.plan, planned.product)
    assert again == first
    assert len(fal.submissions()) == 1
    # another job is another (paid) request
    await provider.submit("fal-other-job", shot, planned.plan, planned.product)
    assert len(fal.submissions()) == 2


async def test_rejected_input_fails_over_to_the_next_model(planned: Planned) -> None:
    fake = FakeFal(behaviour=FalBehaviour(reject_models={"bytedance/seedance-2.0/image-to-video"}))
    async with serving(fake):
        provider = _provider(planned, _fal_backend(fake), FAL_MODELS)
        shot = planned.plan.shots[0]
        job = await provider.submit("fal-failover", shot, planned.plan, planned.product)
    assert job.model == "kling-3.0-pro"
    assert any("seedance-2.0 failed over" in note and "422" in note for note in job.notes)
    assert [r.path for r in fake.submissions()] == ["/fal-ai/kling-video/v3/pro/image-to-video"]
    assert fake.submissions()[0].json()["start_image_url"]  # Kling's own field name


async def test_thirty_percent_faults_still_complete(planned: Planned) -> None:
    faults = FaultPlan(
        rate=0.3,
        kinds=("429", "500", "502-nginx", "503", "hang", "malformed"),
        spare=frozenset({"token"}),
        hang_s=2.0,
        seed=11,
    )
    fake = FakeFal(faults=faults)
    async with serving(fake):
        provider = _provider(planned, _fal_backend(fake), FAL_MODELS)
        clips = await _render_all(provider, planned, "fal-faults")
    assert len(clips) == len(planned.plan.shots)
    assert len(fake.faults_injected) >= 3, fake.faults_injected
    kinds = {kind for _, kind in fake.faults_injected}
    assert len(kinds) >= 3, kinds


async def test_permanent_failure_carries_the_providers_reason(planned: Planned) -> None:
    fake = FakeFal(behaviour=FalBehaviour(fail_models={"bytedance/seedance-2.0/image-to-video"}))
    async with serving(fake):
        provider = _provider(planned, _fal_backend(fake), FAL_MODELS)
        shot = planned.plan.shots[0]
        job = await provider.submit("fal-fail", shot, planned.plan, planned.product)
        with pytest.raises(ProviderError, match="content policy"):
            await provider.await_result(job, shot, planned.plan, planned.product)


async def test_deadline_cancels_the_request(planned: Planned) -> None:
    fake = FakeFal(behaviour=FalBehaviour(hold=asyncio.Event()))
    async with serving(fake):
        policy = dataclasses.replace(FAST, deadline_s=0.5)
        provider = _provider(planned, _fal_backend(fake), FAL_MODELS, policy)
        shot = planned.plan.shots[0]
        job = await provider.submit("fal-slow", shot, planned.plan, planned.product)
        with pytest.raises(ProviderError, match="did not finish within"):
            await provider.await_result(job, shot, planned.plan, planned.product)
    assert fake.count("cancel") == 1
    assert fake.jobs[job.request_id].cancelled


async def test_a_new_model_is_a_catalog_entry(
    planned: Planned, fal: FakeFal, tmp_path: Path
) -> None:
    extra = tmp_path / "catalog.json"
    extra.write_text(
        json.dumps(
            {
                "models": [
                    {
                        "id": "acme-motion-1",
                        "provider": "fal",
                        "model": "acme/motion-1/image-to-video",
                        "fields": {"prompt": "text", "image": "first_frame", "duration": "seconds"},
                        "durations": [5, 10],
                        "duration_format": "int",
                        "output_path": "video.url",
                        "price_per_s": 0.05,
                    }
                ]
            }
        )
    )
    provider = _provider(
        planned, _fal_backend(fal), {"promo": ("acme-motion-1",)}, catalog_path=extra
    )
    clips = await _render_all(provider, planned, "fal-acme")
    body = fal.submissions()[0].json()
    assert fal.submissions()[0].path == "/acme/motion-1/image-to-video"
    assert set(body) == {"text", "first_frame", "seconds"}
    assert body["seconds"] == 5
    assert len(clips) == len(planned.plan.shots)


@pytest.fixture
async def replicate_fake() -> AsyncIterator[FakeReplicate]:
    fake = FakeReplicate()
    async with serving(fake):
        yield fake


async def test_replicate_round_trip_on_the_wire(
    planned: Planned, replicate_fake: FakeReplicate
) -> None:
    backend = ReplicateBackend("r8-test", base_url=replicate_fake.base_url)
    provider = _provider(planned, backend, REPLICATE_MODELS)
    clips = await _render_all(provider, planned, "rep-happy")
    assert len(replicate_fake.accepted) == len(planned.plan.shots)
    create = replicate_fake.accepted[0]
    assert create.path == "/v1/models/bytedance/seedance-2.0/predictions"
    body = create.json()["input"]
    assert body["image"].startswith(f"{replicate_fake.base_url}/media/file-")
    assert isinstance(body["duration"], int)
    assert body["generate_audio"] is False
    assert len(clips) == len(planned.plan.shots)


async def test_replicate_faults_and_failure(planned: Planned) -> None:
    # creates are never retried by the SDK; ours retries only "not accepted" answers
    faults = FaultPlan(
        rate=0.3,
        kinds=("429", "503", "500", "hang"),
        hang_s=2.0,
        seed=5,
        spare=frozenset({"create"}),
    )
    faults.scripted["create"] = ["429", "503"]
    fake = FakeReplicate(faults=faults)
    async with serving(fake):
        provider = _provider(
            planned, ReplicateBackend("r8-test", base_url=fake.base_url), REPLICATE_MODELS
        )
        clips = await _render_all(provider, planned, "rep-faults")
    assert len(clips) == len(planned.plan.shots)
    assert len(fake.accepted) == len(planned.plan.shots)
    assert ("create", "429") in fake.faults_injected

    failing = FakeReplicate(behaviour=ReplicateBehaviour(fail_models={"bytedance/seedance-2.0"}))
    async with serving(failing):
        provider = _provider(
            planned, ReplicateBackend("r8-test", base_url=failing.base_url), REPLICATE_MODELS
        )
        shot = planned.plan.shots[0]
        job = await provider.submit("rep-fail", shot, planned.plan, planned.product)
        with pytest.raises(ProviderError, match="NSFW content detected"):
            await provider.await_result(job, shot, planned.plan, planned.product)
