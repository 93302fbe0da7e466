"""Hosted image models through the real fal-client and replicate SDKs against the loopback
fakes: scenes as the first frames of hosted shots (checked for the product before any
video model is paid), the "product lost" fault, faults on the wire, background removal."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping, Sequence

import numpy as np
import pytest
from PIL import Image

from aistudio.artifacts import ModelChoice, ProviderJob
from aistudio.errors import BudgetExceeded, InputError
from aistudio.nodes.render import check_budget, paid_requests, spent_usd
from aistudio.tools.image.background import HostedBackgroundRemover
from aistudio.tools.image.hosted import REMAKE_CLAUSE, SCENE_LEAD, HostedImageEditor
from aistudio.tools.image.scenes import SceneMaker
from aistudio.tools.render.local import LocalVideoProvider
from aistudio.tools.video.catalog import load_catalog
from aistudio.tools.video.fal import FalBackend, FalEndpoints
from aistudio.tools.video.hosted import HostedVideoProvider
from aistudio.tools.video.replicate import ReplicateBackend
from aistudio.tools.video.router import HostedPolicy, HostedRouter, ProviderBackend
from tests.fakes.asgi import FakeService, FaultPlan, Request, serving
from tests.fakes.fal import FakeFal, FalBehaviour
from tests.fakes.media import ProductLoss
from tests.fakes.replicate import FakeReplicate, ReplicateBehaviour
from tests.integration.test_hosted_video import (
    FAL_MODELS,
    FAST,
    REPLICATE_MODELS,
    Planned,
    _plan,
)

MIN_INLIERS = 12
FAL_IMAGES = ("flux-kontext-pro", "seedream-5-lite-edit")
REPLICATE_IMAGES = ("replicate-flux-kontext-pro", "replicate-nano-banana-pro")


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Planned:
    return asyncio.run(_plan(tmp_path_factory.mktemp("images")))


def _fal(fake: FakeFal) -> FalBackend:
    return FalBackend("key-id:key-secret", endpoints=FalEndpoints(*[fake.base_url] * 3))


def _replicate(fake: FakeReplicate) -> ReplicateBackend:
    return ReplicateBackend("r8-test", base_url=fake.base_url)


def _provider(
    planned: Planned,
    backend: ProviderBackend,
    video_models: Mapping[str, Sequence[str]],
    image_models: Sequence[str],
    policy: HostedPolicy = FAST,
) -> HostedVideoProvider:
    """A hosted video provider whose first frames are scenes (no image models: keyframes)."""
    storage = planned.tools.storage
    keyframes = LocalVideoProvider(storage, planned.tools.settings.render.motion_headroom)
    catalog = load_catalog()
    scenes = None
    if image_models:
        router = HostedRouter(backend, catalog, storage, policy=policy)
        editor = HostedImageEditor(router, image_models)
        scenes = SceneMaker(editor, keyframes, storage, planned.tools.inspector, MIN_INLIERS)
    return HostedVideoProvider(
        backend, catalog, video_models, storage, keyframes, policy=policy, scenes=scenes
    )


async def _submit_all(
    provider: HostedVideoProvider, planned: Planned, job_id: str, models: ModelChoice | None = None
) -> list[ProviderJob]:
    # one after another, so the fakes number the requests in shot order
    return [
        await provider.submit(job_id, shot, planned.plan, planned.product, models)
        for shot in planned.plan.shots
    ]


async def _inliers(planned: Planned, image: bytes) -> int:
    reference = await planned.tools.storage.path_of(planned.product.cutout)
    frame = np.asarray(Image.open(io.BytesIO(image)).convert("RGB"))
    [(inliers, _)] = await planned.tools.inspector.fidelity(reference, [frame])
    return inliers


def _looks_alike(a: bytes, b: bytes) -> bool:
    """Same picture (after crops/scales/JPEG): small mean difference at thumbnail size."""
    small = [
        np.asarray(Image.open(io.BytesIO(x)).convert("RGB").resize((72, 128)), np.float32)
        for x in (a, b)
    ]
    return float(np.abs(small[0] - small[1]).mean()) < 12.0


def _order(fake: FakeService, request: Request) -> int:
    return next(i for i, r in enumerate(fake.requests) if r is request)


async def test_fal_scenes_become_the_first_frames(planned: Planned) -> None:
    fake = FakeFal()
    async with serving(fake):
        provider = _provider(planned, _fal(fake), FAL_MODELS, FAL_IMAGES)
        jobs = await _submit_all(provider, planned, "img-fal")
        shots = planned.plan.shots
        edits, videos = fake.submissions("image"), fake.submissions("video")
        assert len(edits) == len(videos) == len(shots)
        first = edits[0]
        assert first.path == "/fal-ai/flux-pro/kontext"
        body = first.json()
        assert body["image_url"].startswith(f"{fake.base_url}/media/")  # one image, not a list
        assert body["aspect_ratio"] == "9:16" and body["num_images"] == 1
        assert body["prompt"].startswith(SCENE_LEAD) and shots[0].prompt in body["prompt"]
        assert REMAKE_CLAUSE not in body["prompt"]
        # the photo was uploaded once for the job, each first frame once per shot
        assert fake.count("upload") == 1 + len(shots)
        for job, video in zip(jobs, videos, strict=True):
            record = job.first_frame
            assert record is not None and record.source == "scene", record
            assert [s.model for s in record.scenes] == ["flux-kontext-pro"]
            assert record.fidelity_inliers[0] >= MIN_INLIERS
            scene = fake.files[f"clip-{record.scenes[0].request_id}.png"]
            assert _looks_alike(fake.first_frame(video), scene)  # the video starts from it
            assert job.cost_usd > 0 and record.scenes[0].cost_usd == pytest.approx(0.04)
        # what the job paid: every scene and every clip, once
        paid = paid_requests(jobs, [])
        assert len(paid) == 2 * len(shots)
        assert spent_usd(paid) == pytest.approx(sum(j.cost_usd for j in jobs) + 0.04 * len(shots))


async def test_replicate_scenes_take_the_requested_model(planned: Planned) -> None:
    fake = FakeReplicate()
    async with serving(fake):
        provider = _provider(planned, _replicate(fake), REPLICATE_MODELS, REPLICATE_IMAGES)
        jobs = await _submit_all(
            provider, planned, "img-rep", ModelChoice(image="replicate-nano-banana-pro")
        )
    edits, videos = fake.submissions("image"), fake.submissions("video")
    assert len(edits) == len(videos) == len(planned.plan.shots)
    assert {r.path for r in edits} == {"/v1/models/google/nano-banana-pro/predictions"}
    body = edits[0].json()["input"]
    assert isinstance(body["image_input"], list) and len(body["image_input"]) == 1
    assert body["aspect_ratio"] == "9:16" and body["output_format"] == "png"
    for job, video in zip(jobs, videos, strict=True):
        assert job.first_frame is not None and job.first_frame.source == "scene"
        assert job.first_frame.scenes[0].model == "replicate-nano-banana-pro"
        assert await _inliers(planned, fake.first_frame(video)) >= MIN_INLIERS


async def test_a_lost_product_is_remade_before_any_video_is_paid(planned: Planned) -> None:
    fake = FakeFal(behaviour=FalBehaviour(lose_product=ProductLoss(numbers={1})))
    async with serving(fake):
        provider = _provider(planned, _fal(fake), FAL_MODELS, FAL_IMAGES)
        jobs = await _submit_all(provider, planned, "img-lost-once")
    edits, videos = fake.submissions("image"), fake.submissions("video")
    shots = len(planned.plan.shots)
    assert len(edits) == shots + 1 and len(videos) == shots
    assert fake.behaviour.lose_product.lost == [1]
    lost, remade = edits[0].json(), edits[1].json()
    assert REMAKE_CLAUSE in remade["prompt"] and remade["seed"] != lost["seed"]
    record = jobs[0].first_frame
    assert record is not None and record.source == "scene"
    assert len(record.scenes) == 2
    assert record.fidelity_inliers[0] < MIN_INLIERS <= record.fidelity_inliers[1]
    # the first video was submitted after the remade scene, and starts from a frame that
    # shows the product: no video model ever saw the lost scene
    assert _order(fake, videos[0]) > _order(fake, edits[1])
    for video in videos:
        assert await _inliers(planned, fake.first_frame(video)) >= MIN_INLIERS


async def test_a_shot_whose_scenes_both_lose_it_starts_from_the_keyframe(
    planned: Planned,
) -> None:
    fake = FakeReplicate(behaviour=ReplicateBehaviour(lose_product=ProductLoss(first_shot=True)))
    async with serving(fake):
        provider = _provider(planned, _replicate(fake), REPLICATE_MODELS, REPLICATE_IMAGES)
        jobs = await _submit_all(provider, planned, "img-lost-twice")
        storage = planned.tools.storage
        keyframes = LocalVideoProvider(storage, planned.tools.settings.render.motion_headroom)
        shot = planned.plan.shots[0]
        keyframe = await keyframes.keyframe(shot, planned.plan, planned.product, "9:16")
        keyframe_png = await storage.read_bytes(keyframe)
    edits, videos = fake.submissions("image"), fake.submissions("video")
    shots = len(planned.plan.shots)
    assert len(edits) == shots + 1 and len(videos) == shots
    assert fake.behaviour.lose_product.lost == [1, 2]
    record = jobs[0].first_frame
    assert record is not None and record.source == "keyframe"
    assert len(record.scenes) == 2 and max(record.fidelity_inliers) < MIN_INLIERS
    assert "lost the product" in record.reason
    # the shot's video starts from the local keyframe, not from either lost scene
    first_frame = fake.first_frame(videos[0])
    assert _looks_alike(first_frame, keyframe_png)
    for lost in record.scenes:
        assert not _looks_alike(first_frame, fake.files[f"{lost.request_id}.png"])
    assert all(j.first_frame and j.first_frame.source == "scene" for j in jobs[1:])
    # both lost scenes were paid for and are on the bill (unknown Replicate price: 0)
    assert len(paid_requests(jobs, [])) == 2 * shots + 1


async def test_thirty_percent_faults_still_pay_one_scene_and_one_clip_per_shot(
    planned: Planned,
) -> None:
    faults = FaultPlan(
        rate=0.3,
        kinds=("429", "500", "502-nginx", "503", "hang", "malformed"),
        spare=frozenset({"token"}),
        hang_s=2.0,
        seed=23,
    )
    fake = FakeFal(faults=faults)
    async with serving(fake):
        provider = _provider(planned, _fal(fake), FAL_MODELS, FAL_IMAGES)
        jobs = await _submit_all(provider, planned, "img-faults")
        # a re-run of the submit node (a crash before the checkpoint) pays nothing again
        again = await _submit_all(provider, planned, "img-faults")
    assert again == jobs
    shots = len(planned.plan.shots)
    assert len(fake.submissions("image")) == shots
    assert len(fake.submissions("video")) == shots
    assert all(j.first_frame and j.first_frame.source == "scene" for j in jobs)
    for video in fake.submissions("video"):
        assert await _inliers(planned, fake.first_frame(video)) >= MIN_INLIERS
    kinds = {kind for _, kind in fake.faults_injected}
    assert len(fake.faults_injected) >= 5 and len(kinds) >= 3, fake.faults_injected


async def test_a_scene_accepted_before_a_crash_is_recalled_not_paid_again(
    planned: Planned,
) -> None:
    fake = FakeFal()
    async with serving(fake):
        provider = _provider(planned, _fal(fake), FAL_MODELS, FAL_IMAGES)
        assert provider.scenes is not None and provider.scenes.editor is not None
        shot = planned.plan.shots[0]
        # the run that crashed got as far as the provider accepting the scene
        accepted = await provider.scenes.editor.submit(
            "img-crash", shot, planned.product, "9:16", 0
        )
        job = await provider.submit("img-crash", shot, planned.plan, planned.product)
    assert len(fake.submissions("image")) == 1 and len(fake.submissions("video")) == 1
    assert job.first_frame is not None
    assert job.first_frame.scenes[0].request_id == accepted.request_id


async def test_quotes_and_budgets_include_the_scenes(planned: Planned) -> None:
    fake = FakeFal()
    async with serving(fake):
        provider = _provider(planned, _fal(fake), FAL_MODELS, FAL_IMAGES)
        plain = _provider(planned, _fal(fake), FAL_MODELS, ())
        shot = planned.plan.shots[0]
        model, price = provider.estimate(shot, planned.plan)
        _, video_only = plain.estimate(shot, planned.plan)
        assert model == "seedance-2.0 + flux-kontext-pro first frame"
        assert video_only is not None and price is not None
        # at most two scenes a shot (one remake) at $0.04
        assert price == pytest.approx(video_only + 0.08)
        chosen = provider.estimate(shot, planned.plan, ModelChoice(image="nano-banana-2-edit"))
        assert chosen[1] == pytest.approx(video_only + 0.16)
        quotes = [(s.shot_index, *provider.estimate(s, planned.plan)) for s in planned.plan.shots]
        videos = sum(plain.estimate(s, planned.plan)[1] or 0 for s in planned.plan.shots)
        with pytest.raises(BudgetExceeded, match="over the job's budget"):
            check_budget(quotes, videos + 0.01, 0.0)  # the videos fit, the scenes do not
    assert fake.submissions() == [] and fake.count("upload") == 0


@pytest.mark.parametrize("provider_name", ["fal", "replicate"])
async def test_background_removal_returns_a_real_cutout(
    planned: Planned, provider_name: str
) -> None:
    fake: FakeFal | FakeReplicate = FakeFal() if provider_name == "fal" else FakeReplicate()
    async with serving(fake):
        backend = _fal(fake) if isinstance(fake, FakeFal) else _replicate(fake)
        models = ("birefnet-v2",) if provider_name == "fal" else ("replicate-background-remover",)
        router = HostedRouter(backend, load_catalog(), planned.tools.storage, policy=FAST)
        remover = HostedBackgroundRemover(router, models)
        photo = planned.product.normalized
        cutout = await remover.remove_background(photo)
        again = await remover.remove_background(photo)  # the same photo is not paid twice
        requests = fake.submissions("cutout")
    assert again == cutout and len(requests) == 1
    if provider_name == "fal":
        assert requests[0].path == "/fal-ai/birefnet/v2"
        body = requests[0].json()
        assert body["image_url"] and body["model"] == "General Use (Heavy)"
    else:
        assert requests[0].path == "/v1/models/851-labs/background-remover/predictions"
        body = requests[0].json()["input"]
        assert body["image"] and (body["format"], body["background_type"]) == ("png", "rgba")
    data = await planned.tools.storage.read_bytes(cutout)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.mode == "RGBA"
        assert image.size == (photo.width, photo.height)
        alpha = np.asarray(image.getchannel("A"))
    assert alpha[:20, :20].max() == 0 and alpha[-20:, -20:].max() == 0  # backdrop gone
    x, y, w, h = planned.product.bbox
    assert alpha[y + h // 2, x + w // 2] == 255  # the product kept
    assert 0.1 < float((alpha > 127).mean()) < 0.6
    assert cutout.kind == "cutout" and cutout.mime == "image/png"


async def test_unknown_or_wrong_kind_models_are_refused(planned: Planned) -> None:
    fake = FakeFal()
    async with serving(fake):
        provider = _provider(planned, _fal(fake), FAL_MODELS, FAL_IMAGES)
        shot = planned.plan.shots[0]
        for choice, message in (
            (ModelChoice(image="no-such-model"), "unknown model"),
            (ModelChoice(image="seedance-2.0"), "makes video clips, not image edits"),
            (ModelChoice(video="flux-kontext-pro"), "makes image edits, not video clips"),
            (ModelChoice(image="replicate-flux-kontext-pro"), "runs on replicate"),
        ):
            with pytest.raises(InputError, match=message):
                await provider.submit("img-bad", shot, planned.plan, planned.product, choice)
    assert fake.submissions() == []


def test_product_loss_fault_keys_on_the_first_shot() -> None:
    loss = ProductLoss(first_shot=True)
    assert loss(1, "shot A")
    assert not loss(2, "shot B")
    assert loss(3, "shot A and insist")
    assert loss.lost == [1, 3]
