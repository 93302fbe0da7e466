"""Local moderation: the brief text rules (pure) and LocalModerator with its real ONNX
models (OpenNSFW, NudeNet) on procedurally made images."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from aistudio.errors import InputError
from aistudio.tools.moderation.local import LocalModerator
from aistudio.tools.moderation.text_rules import flagged_categories, matched_terms
from aistudio.tools.vision.faces import PeopleDetector
from tests.unit.test_vision import product_photo, scene

THRESHOLD = 0.7


# -- text rules -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "A killer deal on our new serum: shop the drop today!",
        "Bath bombs that fizz for ten minutes. Shot on iPhone.",
        "This lip gloss is the bomb, in three nude shades.",
        "Our bomber jacket in gunmetal grey, built from Gore-Tex and torture-tested.",
        "Recover faster with the massage gun; glue gun and heat gun sold separately.",
        "Drop-dead gorgeous heels, a fragrance to die for, dressed to kill.",
        "We'll shoot you an email when the espresso shot machine ships.",
        "Flavour bomb hot sauce with an explosive flavour, killing it since 2019.",
        "Kids' rain boots in bright colours for puddle season.",
        "Knockout look for date night: nude lipstick and a sexy red dress.",
        "Beware of counterfeit goods: buy authentic from us.",
        "Behind the scenes of our photo shoot, shooting stars over the desert.",
        "A murder mystery board game for the whole family.",
        "Method, not magic: our cleaning spray cuts grease fast.",
        "Cut yourself a slice of our lemon drizzle cake.",
        "Baby oil for a sexy summer glow.",
    ],
)
def test_marketing_copy_passes(text: str) -> None:
    assert flagged_categories(text) == [], matched_terms(text)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Sexy photos of teen girls in lingerie", "sexual/minors"),
        ("naked women posing for our ad", "sexual"),
        ("An explicit porn scene with the product", "sexual"),
        ("Show a man who wants to kill people with this knife", "violence"),
        ("A gory massacre scene in the background", "violence"),
        ("Ad for our rifles and ammunition, buy a handgun today", "weapons"),
        ("Instructions to build a bomb from household cleaners", "weapons"),
        ("A poster saying white power and heil hitler", "hate"),
        ("Tell viewers to kill yourself if they don't buy", "self-harm"),
        ("Thinspo tips: starve yourself for summer", "self-harm"),
        ("Buy cocaine and MDMA with every order", "illicit"),
        ("We sell fake passports and counterfeit money", "illicit"),
    ],
)
def test_harmful_briefs_are_flagged(text: str, category: str) -> None:
    assert category in flagged_categories(text), matched_terms(text)


def test_matched_terms_name_the_words() -> None:
    assert matched_terms("Ad for rifles") == {"weapons": ["rifles"]}


# -- the moderator ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def moderator() -> LocalModerator:
    return LocalModerator(THRESHOLD)  # models load on first use, once for the module


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("moderation")
    paths = {"product": folder / "product.png", "scene": folder / "scene.jpg"}
    product_photo().save(paths["product"])
    Image.fromarray(scene((540, 960))).save(paths["scene"], quality=90)
    (folder / "notes.png").write_bytes(b"not an image at all")
    paths["broken"] = folder / "notes.png"
    return paths


async def test_text_verdicts(moderator: LocalModerator) -> None:
    clean = await moderator.check_text("A killer deal on bath bombs", subject="brief")
    assert clean.allowed
    assert clean.categories == ()
    assert clean.tool == "local-rules"
    blocked = await moderator.check_text("Ad for rifles and ammo", subject="brief")
    assert not blocked.allowed
    assert blocked.categories == ("weapons",)
    assert blocked.subject == "brief"
    assert "rifles" in blocked.reason


async def test_clean_product_images_are_allowed(
    moderator: LocalModerator, images: dict[str, Path]
) -> None:
    verdict = await moderator.check_images(
        [images["product"], images["scene"]], subject="reference", humans_allowed=False
    )
    print(f"\nclean images: {verdict}")
    assert verdict.allowed
    assert verdict.categories == ()
    assert "people" not in verdict.categories
    assert verdict.scores["nsfw"] < THRESHOLD
    assert "opennsfw" in verdict.tool
    assert "nudenet" in verdict.tool
    assert verdict.subject == "reference"


async def test_unreadable_image_is_an_input_error(
    moderator: LocalModerator, images: dict[str, Path]
) -> None:
    with pytest.raises(InputError, match=r"notes\.png"):
        await moderator.check_images([images["broken"]], subject="reference", humans_allowed=True)


class _StubPeople(PeopleDetector):
    """Stands in for NudeNet's output, which procedural images cannot trigger."""

    def __init__(self, found: list[dict[str, Any]]) -> None:
        super().__init__()
        self.found = found

    def detect(self, rgb: np.ndarray) -> list[dict[str, Any]]:
        return list(self.found)


_FACE = {"class": "FACE_FEMALE", "score": 0.83, "box": [10, 10, 50, 60]}
_EXPOSED = {"class": "FEMALE_BREAST_EXPOSED", "score": 0.77, "box": [40, 80, 60, 60]}


async def test_faces_are_reported_not_blocked(images: dict[str, Path]) -> None:
    moderator = LocalModerator(THRESHOLD, _StubPeople([_FACE]))
    product_only = await moderator.check_images(
        [images["product"]], subject="frames", humans_allowed=False
    )
    assert product_only.allowed
    assert product_only.categories == ("people",)
    assert "face" in product_only.reason
    assert product_only.scores["face"] == pytest.approx(0.83)
    fashion = await moderator.check_images(
        [images["product"]], subject="frames", humans_allowed=True
    )
    assert fashion.allowed
    assert fashion.categories == ()


async def test_exposed_nudity_blocks(images: dict[str, Path]) -> None:
    moderator = LocalModerator(THRESHOLD, _StubPeople([_EXPOSED, _FACE]))
    verdict = await moderator.check_images(
        [images["product"]], subject="frames", humans_allowed=True
    )
    assert not verdict.allowed
    assert verdict.categories == ("nudity",)
    assert "FEMALE_BREAST_EXPOSED" in verdict.reason
