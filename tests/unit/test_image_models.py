"""Image-edit and background-removal models as catalog data, and the pure parts around
them: payloads, prices, model choices, provider settings, scene prompts, cut-out checks,
what a job paid."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from aistudio.artifacts import AspectRatio, FirstFrame, ProviderJob
from aistudio.errors import InputError
from aistudio.nodes.render import paid_requests, spent_usd
from aistudio.settings import Settings
from aistudio.tools.image.background import as_cutout
from aistudio.tools.image.hosted import REMAKE_CLAUSE, SCENE_LEAD, fit_aspect, scene_prompt
from aistudio.tools.image.scenes import fallback_reason
from aistudio.tools.video.catalog import (
    build_cutout_payload,
    build_image_payload,
    check_model_choice,
    estimate_cost,
    estimate_image_cost,
    image_problems,
    load_catalog,
    media_url,
)

CATALOG = load_catalog()


def _edit(model_id: str, aspect: AspectRatio = "9:16") -> dict[str, object]:
    entry = CATALOG.get(model_id)
    return build_image_payload(entry, prompt="p", image_url="https://i", aspect=aspect, seed=5)


def test_default_model_lists_name_catalog_entries_of_their_kind() -> None:
    providers = Settings().providers
    for lists, kind in ((providers.image_models, "image"), (providers.cutout_models, "cutout")):
        for provider, ids in lists.items():
            assert ids
            for model_id in ids:
                entry = CATALOG.get(model_id, kind)  # type: ignore[arg-type]
                assert entry.provider == provider
                assert entry.price_unit == "image"
    assert CATALOG.for_provider("fal", "image") and CATALOG.for_provider("replicate", "image")
    assert CATALOG.for_provider("fal", "cutout") and CATALOG.for_provider("replicate", "cutout")
    assert all(e.kind == "video" for e in CATALOG.for_provider("fal"))  # default: video


def test_image_edit_payloads_use_each_models_own_fields() -> None:
    assert _edit("flux-kontext-pro") == {
        "prompt": "p",
        "image_url": "https://i",  # one image
        "aspect_ratio": "9:16",
        "seed": 5,
        "num_images": 1,
        "output_format": "png",
    }
    banana = _edit("nano-banana-2-edit", "16:9")
    assert banana["image_urls"] == ["https://i"] and banana["aspect_ratio"] == "16:9"
    seedream = _edit("seedream-5-lite-edit", "1:1")
    assert seedream["image_urls"] == ["https://i"]
    assert seedream["image_size"] == "square_hd"  # Seedream spells aspects by name
    assert "seed" not in seedream and "aspect_ratio" not in seedream
    kontext = _edit("replicate-flux-kontext-pro")
    assert kontext["input_image"] == "https://i" and kontext["safety_tolerance"] == 2
    pro = _edit("replicate-nano-banana-pro")
    assert pro["image_input"] == ["https://i"] and "seed" not in pro
    with pytest.raises(InputError, match="not an image-edit model"):
        build_image_payload(
            CATALOG.get("seedance-2.0"), prompt="p", image_url="u", aspect="9:16", seed=1
        )


def test_cutout_payloads_have_no_prompt() -> None:
    birefnet = build_cutout_payload(CATALOG.get("birefnet-v2"), image_url="https://i")
    assert birefnet["image_url"] == "https://i" and "prompt" not in birefnet
    assert birefnet["output_format"] == "png"
    remover = build_cutout_payload(
        CATALOG.get("replicate-background-remover"), image_url="https://i"
    )
    assert remover == {
        "image": "https://i",
        "format": "png",
        "background_type": "rgba",
        "threshold": 0,
    }
    with pytest.raises(InputError, match="not a background-removal model"):
        build_cutout_payload(CATALOG.get("flux-kontext-pro"), image_url="u")


def test_image_prices_are_per_image() -> None:
    kontext = CATALOG.get("flux-kontext-pro")
    assert estimate_image_cost(kontext) == pytest.approx(0.04)
    assert estimate_image_cost(kontext, 2) == pytest.approx(0.08)
    assert estimate_cost(kontext, 9.0) == pytest.approx(0.04)  # duration is no factor
    assert estimate_image_cost(CATALOG.get("replicate-flux-kontext-pro")) is None  # unknown
    assert image_problems(kontext, "1:1") == []
    assert image_problems(CATALOG.get("wan-2.7"), "1:1") == ["wan-2.7 is not an image-edit model"]


def test_media_urls_of_image_outputs() -> None:
    images = {"images": [{"url": "https://v3.fal.media/s.png", "width": 576}]}
    assert media_url(CATALOG.get("flux-kontext-pro"), images, provider="fal").endswith("s.png")
    cut = {"image": {"url": "https://v3.fal.media/c.png"}, "mask_image": None}
    assert media_url(CATALOG.get("birefnet-v2"), cut, provider="fal").endswith("c.png")
    rep = CATALOG.get("replicate-nano-banana-pro")
    assert media_url(rep, "https://replicate.delivery/o.png", provider="r").endswith("o.png")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"kind": "image", "durations": [5]}, "no durations and no per-second price"),
        ({"kind": "video", "durations": [5], "price_per_image": 0.1}, "per second, not per image"),
        ({"kind": "image", "fields": {"prompt": None}}, "needs a prompt field"),
        ({"kind": "poster"}, "kind"),
    ],
)
def test_an_entry_must_fit_its_kind(tmp_path: Path, entry: dict[str, object], message: str) -> None:
    extra = tmp_path / "models.json"
    model = {"id": "x", "provider": "fal", "model": "acme/x", **entry}
    extra.write_text(json.dumps({"models": [model]}))
    with pytest.raises(InputError, match=re.escape(message)):
        load_catalog(extra)


def test_a_new_image_model_is_a_catalog_entry(tmp_path: Path) -> None:
    extra = tmp_path / "models.json"
    entry = {
        "id": "acme-edit",
        "provider": "replicate",
        "model": "acme/edit",
        "kind": "image",
        "fields": {"prompt": "text", "image": "pictures", "image_list": True, "duration": None},
        "fixed_input": {"steps": 20},
        "output_path": "",
        "price_per_image": 0.02,
    }
    extra.write_text(json.dumps({"models": [entry]}))
    acme = load_catalog(extra).get("acme-edit", "image")
    payload = build_image_payload(acme, prompt="p", image_url="u", aspect="9:16", seed=1)
    assert payload == {"text": "p", "pictures": ["u"], "steps": 20}
    assert estimate_image_cost(acme, 2) == pytest.approx(0.04)


@pytest.mark.parametrize(
    ("video", "image", "providers", "message"),
    [
        ("nope", None, ("fal", "fal"), "video_model: unknown model 'nope'"),
        (None, "kling-3.0-pro", ("fal", "fal"), "makes video clips, not image edits"),
        ("replicate-veo-3.1", None, ("fal", "fal"), "runs on replicate; this server's video"),
        (None, "flux-kontext-pro", ("fal", "local"), "makes images locally"),
        ("wan-2.7", None, ("local", "fal"), "makes videos locally"),
    ],
)
def test_model_choices_are_checked(
    video: str | None, image: str | None, providers: tuple[str, str], message: str
) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        check_model_choice(
            CATALOG,
            video_model=video,
            image_model=image,
            video_provider=providers[0],
            image_provider=providers[1],
        )
    check_model_choice(  # a good choice, and no choice at all, pass
        CATALOG,
        video_model="kling-3.0-pro",
        image_model="seedream-5-lite-edit",
        video_provider="fal",
        image_provider="fal",
    )
    check_model_choice(
        CATALOG, video_model=None, image_model=None, video_provider="local", image_provider="local"
    )


def test_service_type_picks_the_image_provider_too(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SERVICE_TYPE", "AISTUDIO_PROVIDERS__VIDEO", "AISTUDIO_PROVIDERS__IMAGE"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().image_provider == "local"
    monkeypatch.setenv("AISTUDIO_PROVIDERS__VIDEO", "fal")
    assert (Settings().video_provider, Settings().image_provider) == ("fal", "local")
    monkeypatch.setenv("SERVICE_TYPE", "falai")
    assert Settings().image_provider == "fal"
    monkeypatch.setenv("AISTUDIO_PROVIDERS__IMAGE", "replicate")
    assert (Settings().video_provider, Settings().image_provider) == ("fal", "replicate")
    monkeypatch.setenv("AISTUDIO_PROVIDERS__IMAGE", "local")
    assert Settings().image_provider == "local"


def test_scene_prompts_lead_with_the_photo_and_insist_on_a_remake() -> None:
    first = scene_prompt("  Close-up, slow orbit. Keep the label.  ", 0)
    assert first == f"{SCENE_LEAD} Close-up, slow orbit. Keep the label."
    remake = scene_prompt("Close-up, slow orbit. Keep the label.", 1)
    assert remake.startswith(first) and remake.endswith(REMAKE_CLAUSE)


def _png(size: tuple[int, int], mode: str = "RGB", alpha: int | None = None) -> bytes:
    image = Image.new(mode, size, (200, 100, 50, alpha or 0) if mode == "RGBA" else (200, 100, 50))
    if mode == "RGBA" and alpha is None:
        image.paste((10, 20, 30, 255), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_scenes_are_cropped_to_the_frames_aspect() -> None:
    assert fit_aspect(_png((1024, 1024)), "9:16").size == (576, 1024)
    assert fit_aspect(_png((1024, 576)), "16:9").size == (1024, 576)
    assert fit_aspect(_png((4000, 4000)), "1:1").size == (1920, 1920)  # at most frame-sized
    with pytest.raises(ValueError, match="not an image"):
        fit_aspect(b"<html>", "1:1")


def test_a_cutout_must_be_transparent_and_the_photos_size() -> None:
    cut = as_cutout(_png((200, 100), "RGBA"), (400, 200))
    with Image.open(io.BytesIO(cut)) as image:
        assert (image.mode, image.size) == ("RGBA", (400, 200))
        alpha = np.asarray(image.getchannel("A"))
    assert alpha[0, 0] == 0 and alpha[70, 150] == 255
    with pytest.raises(ValueError, match="without transparency"):
        as_cutout(_png((20, 20)), (20, 20))  # a flattened RGB answer
    with pytest.raises(ValueError, match="without transparency"):
        as_cutout(_png((20, 20), "RGBA", alpha=255), (20, 20))
    with pytest.raises(ValueError, match="empty cut-out"):
        as_cutout(_empty(), (20, 20))
    with pytest.raises(ValueError, match="not an image"):
        as_cutout(b"{}", (20, 20))


def _empty() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_fallback_reasons_say_why() -> None:
    assert fallback_reason([3], 12, None).startswith("the scene lost the product (3 fidelity")
    both = fallback_reason([3, 0], 12, None)
    assert "scenes lost the product (3, 0 fidelity inliers, 12 needed)" in both
    assert fallback_reason([], 12, "fal: 503") == "the image model failed: fal: 503"


def _job(request_id: str, cost: float, provider: str = "fal", **extra: Any) -> ProviderJob:
    fields = {"model": "m", "shot_index": 0, **extra}
    return ProviderJob(provider=provider, request_id=request_id, cost_usd=cost, **fields)


def test_what_a_job_paid_counts_scenes_once() -> None:
    scenes = (_job("s1", 0.04, kind="image"), _job("s2", 0.04, kind="image"))
    clip = _job("v1", 1.2, first_frame=FirstFrame(source="scene", scenes=scenes))
    assert [j.request_id for j in clip.paid] == ["s1", "s2", "v1"]
    fresh = paid_requests([clip], [])
    assert spent_usd(fresh) == pytest.approx(1.28)
    assert paid_requests([clip], fresh) == []  # a recalled submission is not paid again
    # the same id at another provider is another request
    other = _job("v1", 0.5, provider="replicate")
    assert spent_usd([*fresh, other]) == pytest.approx(1.78)
