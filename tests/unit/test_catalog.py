"""The model catalog and its pure builders: payloads, durations, capability checks, cost,
media URLs, SERVICE_TYPE selection."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from aistudio.errors import InputError, ProviderError
from aistudio.settings import Settings
from aistudio.tools.video.catalog import (
    build_payload,
    estimate_cost,
    format_duration,
    load_catalog,
    media_url,
    pick_duration,
    shot_problems,
)

CATALOG = load_catalog()


def test_shipped_catalog_has_no_sora_and_both_providers() -> None:
    ids = {e.id for e in CATALOG.models}
    assert not any("sora" in i for i in ids)
    assert CATALOG.for_provider("fal")
    assert CATALOG.for_provider("replicate")
    # every default model list in settings names catalog entries
    for provider, kinds in Settings().providers.video_models.items():
        for models in kinds.values():
            for model in models:
                assert CATALOG.get(model).provider == provider


def test_durations_round_up_to_what_the_model_allows() -> None:
    veo = CATALOG.get("veo-3.1")
    assert pick_duration(veo, 3.2) == 4
    assert pick_duration(veo, 4.0) == 4
    assert pick_duration(veo, 4.01) == 6
    assert pick_duration(veo, 8.5) is None
    assert format_duration(veo, 6) == "6s"
    assert format_duration(CATALOG.get("seedance-2.0"), 6) == "6"
    assert format_duration(CATALOG.get("wan-2.7"), 6) == 6


def test_payloads_use_each_models_own_field_names() -> None:
    seedance = build_payload(
        CATALOG.get("seedance-2.0"),
        prompt="p",
        image_url="https://i",
        duration_s=3.1,
        aspect="9:16",
        seed=3,
        negative_prompt="n",
    )
    assert seedance == {
        "prompt": "p",
        "image_url": "https://i",
        "duration": "4",
        "aspect_ratio": "9:16",
        "resolution": "720p",
        "generate_audio": False,
    }
    kling = build_payload(
        CATALOG.get("kling-3.0-pro"),
        prompt="p",
        image_url="https://i",
        duration_s=3.1,
        aspect="9:16",
        seed=3,
        negative_prompt="n",
    )
    # Kling follows the image (no aspect field), takes a negative prompt, no seed
    assert kling == {
        "prompt": "p",
        "start_image_url": "https://i",
        "duration": "4",
        "generate_audio": False,
        "negative_prompt": "n",
    }
    replicate = build_payload(
        CATALOG.get("replicate-veo-3.1"),
        prompt="p",
        image_url="u",
        duration_s=5.0,
        aspect="16:9",
        seed=9,
    )
    assert replicate["image"] == "u"
    assert replicate["duration"] == 6
    assert replicate["seed"] == 9
    assert "negative_prompt" not in replicate  # empty negative prompts are left out


def test_capability_checks_name_the_reason() -> None:
    veo = CATALOG.get("veo-3.1")
    assert shot_problems(veo, 3.0, "9:16", people_in_shot=True) == []
    assert shot_problems(veo, 3.0, "1:1", people_in_shot=False) == [
        "veo-3.1 does not make 1:1 video"
    ]
    assert "at most 8s" in shot_problems(veo, 9.0, "9:16", people_in_shot=False)[0]
    seedance = CATALOG.get("seedance-2.0")
    assert shot_problems(seedance, 3.0, "1:1", people_in_shot=True) == [
        "seedance-2.0 refuses inputs with people"
    ]


def test_cost_estimates() -> None:
    assert estimate_cost(CATALOG.get("seedance-2.0"), 3.3) == pytest.approx(1.2)
    assert estimate_cost(CATALOG.get("veo-3.1"), 5.0, with_audio=True) == pytest.approx(2.4)
    assert estimate_cost(CATALOG.get("replicate-kling-3.0"), 5.0) is None  # price unknown


def test_media_url_by_output_path() -> None:
    fal = CATALOG.get("seedance-2.0")
    assert (
        media_url(fal, {"video": {"url": "https://v3.fal.media/x.mp4"}}, provider="fal")
        == "https://v3.fal.media/x.mp4"
    )
    rep = CATALOG.get("replicate-veo-3.1")
    assert (
        media_url(rep, "https://replicate.delivery/o.mp4", provider="r")
        == "https://replicate.delivery/o.mp4"
    )
    assert media_url(rep, ["https://replicate.delivery/o.mp4"], provider="r").endswith("o.mp4")
    with pytest.raises(ProviderError, match=r"no 'video\.url'"):
        media_url(fal, {"images": []}, provider="fal")
    with pytest.raises(ProviderError, match="no media URL"):
        media_url(rep, None, provider="r")


def test_user_catalog_adds_and_replaces_entries(tmp_path: Path) -> None:
    extra = tmp_path / "models.json"
    extra.write_text(
        json.dumps(
            {
                "models": [
                    {
                        "id": "wan-2.7",
                        "provider": "fal",
                        "model": "fal-ai/wan/v2.8/image-to-video",
                        "durations": [5],
                        "price_per_s": 0.08,
                    },
                    {
                        "id": "new-model",
                        "provider": "replicate",
                        "model": "acme/new",
                        "durations": [4],
                    },
                ]
            }
        )
    )
    catalog = load_catalog(extra)
    assert catalog.get("wan-2.7").model == "fal-ai/wan/v2.8/image-to-video"
    assert catalog.get("new-model").provider == "replicate"
    assert len(catalog.models) == len(CATALOG.models) + 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot read model catalog"),
        ('{"models": [{"id": "x", "provider": "runway", "model": "a/b"}]}', "provider"),
        ('{"models": [{"id": "x", "provider": "fal", "model": "a/b", "colour": 1}]}', "colour"),
    ],
)
def test_bad_user_catalog_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    extra = tmp_path / "bad.json"
    extra.write_text(content)
    with pytest.raises(InputError, match=re.escape(message)):
        load_catalog(extra)


def test_unknown_model_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match=r"unknown model 'sora-2'.*seedance-2\.0"):
        CATALOG.get("sora-2")


def test_service_type_selects_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SERVICE_TYPE", "AISTUDIO_SERVICE_TYPE", "AISTUDIO_PROVIDERS__VIDEO"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().video_provider == "local"
    monkeypatch.setenv("SERVICE_TYPE", "falai")
    assert Settings().video_provider == "fal"
    monkeypatch.setenv("SERVICE_TYPE", "replicate")
    assert Settings().video_provider == "replicate"
    monkeypatch.setenv("SERVICE_TYPE", "runway")
    with pytest.raises(ValidationError, match="SERVICE_TYPE must be one of"):
        Settings()
