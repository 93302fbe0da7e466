"""The API on hosted image models (fal and Replicate fakes, real SDKs on the wire): refine
draws its scene with the image model and falls back when the product is lost; video jobs
start each hosted shot from a checked scene; quotes and budgets count the scenes; the
request's own model names are checked against the catalog."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from litestar.testing import AsyncTestClient
from PIL import Image
from pydantic import SecretStr

from aistudio.server.app import create_app
from aistudio.settings import ProviderSettings, Settings
from aistudio.tools.vision.fidelity import FidelityScorer
from tests.conftest import sample
from tests.fakes.asgi import serving_in_thread as serving
from tests.fakes.fal import FakeFal, FalBehaviour
from tests.fakes.media import ProductLoss, cutout_png
from tests.fakes.replicate import FakeReplicate
from tests.server.conftest import BRIEF, Client, finished, new_key, promo_body, server_settings
from tests.server.fakes import fast_toolbox
from tests.server.test_api_errors import assert_problem
from tests.server.test_api_lifecycle import _Photo
from tests.server.test_api_refine import REFINE

PROMO = "/api/v1/video/generate-promo-video"
MIN_INLIERS = 12
Fake = FakeFal | FakeReplicate


def _settings(data_dir: Path, fake: Fake | None, origin: str = "", **providers: Any) -> Settings:
    name = "fal" if isinstance(fake, FakeFal) else "replicate" if fake else "local"
    base = fake.base_url if fake else None
    options: dict[str, Any] = {
        "video": name,
        "image": name,
        "fal_queue_url": base if name == "fal" else None,
        "replicate_base_url": base if name == "replicate" else None,
        "poll_initial_s": 0.05,
        "poll_max_s": 0.2,
        "backoff_s": 0.01,
        "request_timeout_s": 10,
        **providers,
    }
    settings = server_settings(data_dir, fetch_allow_hosts=(origin,) if origin else ())
    return settings.model_copy(
        update={
            "providers": ProviderSettings(**options),
            "fal_key": SecretStr("fal-test"),
            "replicate_api_token": SecretStr("r8-test"),
        }
    )


@asynccontextmanager
async def _app(settings: Settings) -> AsyncIterator[Client]:
    tools = fast_toolbox(settings, hosted_video=True)
    async with AsyncTestClient(app=create_app(settings, toolbox=tools), timeout=120) as client:
        yield client


@pytest.fixture
def origin() -> Iterator[str]:
    """A loopback photo server (netloc), on a thread: the test client blocks the loop."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Photo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def scorer() -> FidelityScorer:
    """The product as a fake background remover cuts it from the sample photo."""
    cut = Image.open(io.BytesIO(cutout_png(sample("aurum-perfume.png").read_bytes())))
    return FidelityScorer(np.asarray(cut.convert("RGBA")))


def _inliers(scorer: FidelityScorer, image: bytes) -> int:
    return scorer.score(np.asarray(Image.open(io.BytesIO(image)).convert("RGB"))).inliers


async def _signed(client: Client, url: str) -> bytes:
    response = await client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200, response.text
    return response.content


def _refine_body(origin: str, **extra: Any) -> dict[str, Any]:
    return {
        "content": BRIEF,
        "image_link": f"http://{origin}/aurum.png",
        "aspect_ratio": "1:1",
        **extra,
    }


async def test_refine_draws_the_scene_with_the_fal_image_model(
    data_dir: Path, origin: str, scorer: FidelityScorer
) -> None:
    fake = FakeFal()
    async with serving(fake), _app(_settings(data_dir, fake, origin)) as client:
        headers = await new_key(client, "acme")
        response = await client.post(REFINE, json=_refine_body(origin), headers=headers)
        assert response.status_code == 200, response.text
        refined = response.json()
        picture = await _signed(client, refined["image_url"])
    scene = refined["scene"]
    assert scene["made_by"] == "image_model" and scene["model"] == "flux-kontext-pro"
    assert scene["fidelity_inliers"][0] >= scene["min_inliers"] == MIN_INLIERS
    assert scene["fallback_reason"] is None
    [edit] = fake.submissions("image")
    assert edit.path == "/fal-ai/flux-pro/kontext"
    body = edit.json()
    assert refined["refined_prompt"] in body["prompt"] and body["aspect_ratio"] == "1:1"
    assert fake.submissions("video") == []  # a refine pays for no video
    with Image.open(io.BytesIO(picture)) as image:
        assert image.format == "PNG" and image.size == (1080, 1080)
    assert _inliers(scorer, picture) >= MIN_INLIERS


async def test_refine_falls_back_when_both_scenes_lose_the_product(
    data_dir: Path, origin: str, scorer: FidelityScorer
) -> None:
    fake = FakeReplicate()
    fake.behaviour.lose_product = ProductLoss(every=True)
    async with serving(fake), _app(_settings(data_dir, fake, origin)) as client:
        headers = await new_key(client, "acme")
        body = _refine_body(origin, image_model="replicate-nano-banana-pro")
        response = await client.post(REFINE, json=body, headers=headers)
        assert response.status_code == 200, response.text
        refined = response.json()
        picture = await _signed(client, refined["image_url"])
    scene = refined["scene"]
    assert scene["made_by"] == "local_compositor" and scene["model"] is None
    assert len(scene["fidelity_inliers"]) == 2 and max(scene["fidelity_inliers"]) < MIN_INLIERS
    assert "lost the product" in scene["fallback_reason"]
    edits = fake.submissions("image")
    assert [r.path for r in edits] == ["/v1/models/google/nano-banana-pro/predictions"] * 2
    assert _inliers(scorer, picture) >= MIN_INLIERS  # the local compositor kept it


async def test_video_job_starts_each_shot_from_a_checked_scene(
    data_dir: Path, scorer: FidelityScorer
) -> None:
    # Every scene of the first shot the fake sees loses the product: that shot falls back
    # to its local keyframe, the others start from their scenes.
    fake = FakeFal(behaviour=FalBehaviour(lose_product=ProductLoss(first_shot=True)))
    async with serving(fake), _app(_settings(data_dir, fake)) as client:
        headers = await new_key(client, "acme")
        response = await client.post(PROMO, json=promo_body(), headers=headers)
        assert response.status_code == 202, response.text
        job = await finished(client, response.json()["job_id"], headers)
        assert job["status"] in ("completed", "completed_with_warnings"), job
        assets = {a["name"]: a["url"] for a in job["assets"]}
        provenance = json.loads(await _signed(client, assets["provenance.json"]))
    shots = provenance["render_jobs"]
    sources = [s["first_frame"]["source"] for s in shots]
    assert sources.count("keyframe") == 1 and sources.count("scene") == len(shots) - 1
    fallback = next(s for s in shots if s["first_frame"]["source"] == "keyframe")
    assert "lost the product" in fallback["first_frame"]["reason"]
    assert len(fallback["first_frame"]["scenes"]) == 2
    # the fakes: one paid clip per shot, one scene per shot plus the remake, and no video
    # model was sent a frame without the product
    videos, edits = fake.submissions("video"), fake.submissions("image")
    assert len(videos) == len(shots) and len(edits) == len(shots) + 1
    assert len(fake.behaviour.lose_product.lost) == 2
    for video in videos:
        assert _inliers(scorer, fake.first_frame(video)) >= MIN_INLIERS
    # provenance lists every paid request: the scenes (kind image) and the clips
    kinds = [s["kind"] for s in provenance["submissions"]]
    assert kinds.count("image") == len(shots) + 1 and kinds.count("video") == len(shots)
    clips = sum(s["cost_usd"] for s in shots)
    assert provenance["cost_usd"] == pytest.approx(clips + 0.04 * (len(shots) + 1))
    assert job["cost_usd"] == pytest.approx(provenance["cost_usd"])


async def test_quote_and_budget_count_the_scenes(data_dir: Path) -> None:
    fake = FakeFal()
    async with serving(fake), _app(_settings(data_dir, fake)) as client:
        headers = await new_key(client, "acme")
        quote = await client.post("/api/v1/quote/", json=promo_body(), headers=headers)
        assert quote.status_code == 200, quote.text
        cost = quote.json()["cost"]
        assert all(
            line["model"].endswith("+ flux-kontext-pro first frame") for line in cost["lines"]
        )
        scenes = 0.08 * len(cost["lines"])  # at most two scenes a shot
        # a budget the clips alone would fit, the scenes not
        budget = round(cost["total_usd"] - scenes / 2, 2)
        body = promo_body(max_cost_usd=budget)
        response = await client.post(PROMO, json=body, headers=headers)
        job = await finished(client, response.json()["job_id"], headers)
    assert job["status"] == "failed" and f"budget of ${budget:.2f}" in job["error_message"]
    assert fake.submissions() == [] and fake.count("upload") == 0


@pytest.mark.parametrize(
    ("provider", "extra", "field"),
    [
        ("fal", {"image_model": "no-such-model"}, "unknown model"),
        ("fal", {"video_model": "flux-kontext-pro"}, "makes image edits, not video clips"),
        ("fal", {"image_model": "seedance-2.0"}, "makes video clips, not image edits"),
        ("fal", {"image_model": "replicate-flux-kontext-pro"}, "runs on replicate"),
        ("replicate", {"video_model": "kling-3.0-pro"}, "runs on fal"),
        ("local", {"image_model": "flux-kontext-pro"}, "makes images locally"),
    ],
)
async def test_bad_model_names_are_422_problems(
    data_dir: Path, provider: str, extra: dict[str, str], field: str
) -> None:
    fake: Fake | None = (
        FakeFal() if provider == "fal" else FakeReplicate() if provider == "replicate" else None
    )
    settings = _settings(data_dir, fake)
    async with _app(settings) as client:
        headers = await new_key(client, "acme")
        response = await client.post(PROMO, json=promo_body(**extra), headers=headers)
        body = assert_problem(response, 422, "invalid-input")
        assert field in body["detail"], body
        refine = {"content": BRIEF, "image_link": "https://x.test/a.png", **extra}
        body = assert_problem(
            await client.post(REFINE, json=refine, headers=headers), 422, "invalid-input"
        )
        assert field in body["detail"], body
        assert (await client.get("/api/v1/jobs", headers=headers)).json()["items"] == []


async def test_a_good_model_choice_is_used(data_dir: Path) -> None:
    fake = FakeFal()
    async with serving(fake), _app(_settings(data_dir, fake)) as client:
        headers = await new_key(client, "acme")
        body = promo_body(video_model="wan-2.7", image_model="seedream-5-lite-edit")
        response = await client.post(PROMO, json=body, headers=headers)
        assert response.status_code == 202, response.text
        job = await finished(client, response.json()["job_id"], headers)
        assert job["status"] in ("completed", "completed_with_warnings"), job
    assert {r.path for r in fake.submissions("video")} == {"/fal-ai/wan/v2.7/image-to-video"}
    edits = fake.submissions("image")
    assert {r.path for r in edits} == {"/fal-ai/bytedance/seedream/v5/lite/edit"}
    assert edits[0].json()["image_size"] == "square_hd" and isinstance(
        edits[0].json()["image_urls"], list
    )
