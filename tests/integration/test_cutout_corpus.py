"""Cut-outs on real photos (tests/corpus/photos): GrabCut, the person detector and the
score together decide whether a video may cut the product out, and a hosted background
remover plugs in through the same score.

Each photo's expected verdict is what a person looking at the cut-out would say (the
masks were looked at when these were written): a clean cut is used; a torn one, a cut
through a scene's clutter, an animal's torn fur or a person cut at the neck is not.
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from aistudio.artifacts import Asset
from aistudio.errors import ProviderError
from aistudio.settings import MediaLimits
from aistudio.tools.image.background import HostedBackgroundRemover
from aistudio.tools.storage.local import LocalStorage
from aistudio.tools.video.catalog import load_catalog
from aistudio.tools.video.fal import FalBackend, FalEndpoints
from aistudio.tools.video.router import HostedRouter
from aistudio.tools.vision.cutout import CutoutChooser
from aistudio.tools.vision.faces import PeopleDetector
from aistudio.tools.vision.ingest import LocalIngestor, decode
from aistudio.tools.vision.ocr import TextReader
from tests.fakes.asgi import serving
from tests.fakes.fal import FakeFal
from tests.integration.test_hosted_video import FAST

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "photos"
THRESHOLD = 0.5

# photo -> (cut out?, why a person would agree)
EXPECTED: dict[str, tuple[bool, str]] = {
    "packshot-cement-mixer.jpg": (True, "product on a plain sweep, clean edge"),
    "packshot-strawberry.jpg": (True, "product on a plain sweep, stem kept"),
    "packshot-fire-truck.png": (True, "the file's own cut-out"),
    "packshot-gift-box.png": (True, "the file's own cut-out"),
    "logo-matplotlib.png": (True, "the file's own cut-out, letters and all"),
    "logo-opencv.png": (True, "the file's own cut-out"),
    "scene-dahlia.jpg": (True, "a flower against dark bokeh separates cleanly"),
    "packshot-lightbulb.jpg": (False, "GrabCut keeps the base and loses the clear glass"),
    "packshot-cookie-box.png": (False, "the box fills the frame; the cut tears its label"),
    "logo-scikit-image.png": (False, "GrabCut notches the disc and runs along the frame"),
    "scene-apple.jpg": (False, "still life on a mottled backdrop with a pencil"),
    "scene-coffee.jpg": (False, "cup cut through its saucer and the table"),
    "scene-pagoda.jpg": (False, "a building torn out of its landscape"),
    "scene-rocket.jpg": (False, "launch pad: towers and night sky cut as one block"),
    "cluttered-fruits.jpg": (False, "one fruit torn out of a pile"),
    "cluttered-plant.jpg": (False, "plant and desk clutter cut as one ragged block"),
    "animal-cat.jpg": (False, "fur torn, ears cut"),
    "animal-dog.jpg": (False, "fur torn, body cut by the frame"),
    "animal-raccoon.jpg": (False, "face torn out of the leaves"),
    "animal-butterfly.jpg": (False, "wings cut out of a striped leaf"),
    "person-astronaut.jpg": (False, "head cut from the body at the neck"),
    "person-grace-hopper.jpg": (False, "cap and shoulders torn, flag kept"),
    "person-cameraman.png": (False, "tripod legs and camera torn"),
}


def test_every_corpus_photo_has_an_expected_verdict_and_a_licence() -> None:
    photos = {p.name for p in CORPUS.iterdir() if p.suffix in (".jpg", ".png")}
    assert photos == set(EXPECTED)
    licences = (CORPUS / "LICENSES.md").read_text()
    for name in photos:
        assert f"| {name} |" in licences, name
        assert (CORPUS / name).stat().st_size <= 300 * 1024, name


@pytest.fixture(scope="module")
def people() -> PeopleDetector:
    return PeopleDetector()


def _decoded(name: str) -> tuple[np.ndarray, np.ndarray | None]:
    decoded = decode((CORPUS / name).read_bytes(), MediaLimits())
    return decoded.rgb, decoded.alpha


async def _photo_asset(storage: LocalStorage, rgb: np.ndarray) -> Asset:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return await storage.put_bytes(
        buffer.getvalue(), kind="normalized", mime="image/png", ext="png"
    )


@pytest.mark.slow  # GrabCut: seconds per photo on two cores
@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_corpus_verdicts(name: str, tmp_path: Path, people: PeopleDetector) -> None:
    storage = LocalStorage(tmp_path)
    chooser = CutoutChooser(storage, threshold=THRESHOLD, people=people)
    rgb, alpha = _decoded(name)
    chosen = await chooser.choose(rgb, alpha, await _photo_asset(storage, rgb))
    cut, why = EXPECTED[name]
    quality = chosen.quality
    assert quality.passed is cut, f"{name} ({why}): {quality}"
    assert chosen.layout == ("cutout" if cut else "full_photo")
    # Far from the threshold either way: GrabCut's own randomness cannot flip a verdict.
    assert abs(quality.score - THRESHOLD) > 0.2, quality
    if name.startswith("person-"):
        assert quality.people >= 1, "the person detector missed the face"
    if name == "person-astronaut.jpg":
        assert quality.people_cut == 1 and "neck" in quality.reasons[0]


# -- the hosted background-remover seam -----------------------------------------------------
def _clean_bulb_mask(rgb: np.ndarray) -> np.ndarray:
    """What a good matting model returns for the light bulb: glass and all (everything that
    differs from the sweep, holes filled). Made here so the test needs no network."""
    pixels = rgb.astype(np.int16)
    backdrop = np.median(np.concatenate([pixels[:4].reshape(-1, 3), pixels[-4:].reshape(-1, 3)]), 0)
    mask = (np.abs(pixels - backdrop).max(axis=2) > 6).astype(np.uint8) * 255
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    flood = mask.copy()
    cv2.floodFill(flood, np.zeros((mask.shape[0] + 2, mask.shape[1] + 2), np.uint8), (0, 0), 255)
    filled: np.ndarray = mask | cv2.bitwise_not(flood)
    return filled


class StoredMaskRemover:
    """A BackgroundRemover that answers with a prepared RGBA PNG (the hosted ones, with
    their wire protocols, live with the providers)."""

    def __init__(self, storage: LocalStorage, rgba: np.ndarray | None, fail: bool = False):
        self.storage = storage
        self.rgba = rgba
        self.fail = fail
        self.calls: list[Asset] = []

    async def remove_background(self, image: Asset) -> Asset:
        self.calls.append(image)
        if self.fail or self.rgba is None:
            raise ProviderError("service unavailable", provider="fal", status=503)
        buffer = io.BytesIO()
        Image.fromarray(self.rgba).save(buffer, format="PNG")
        return await self.storage.put_bytes(
            buffer.getvalue(), kind="mask", mime="image/png", ext="png"
        )


async def test_a_good_hosted_cut_out_is_used_where_grabcut_fails(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    rgb, _ = _decoded("packshot-lightbulb.jpg")
    remover = StoredMaskRemover(storage, np.dstack([rgb, _clean_bulb_mask(rgb)]))
    chooser = CutoutChooser(storage, threshold=THRESHOLD, remover=remover)
    photo = await _photo_asset(storage, rgb)
    chosen = await chooser.choose(rgb, None, photo)
    assert remover.calls == [photo]  # the stored working copy is what the model is sent
    assert chosen.mask.method == "remover" and chosen.quality.passed
    assert chosen.layout == "cutout"
    assert chosen.mask.coverage > 0.3  # the glass, not only the base GrabCut keeps


async def test_a_torn_hosted_cut_out_falls_back_to_grabcut_then_the_whole_photo(
    tmp_path: Path,
) -> None:
    storage = LocalStorage(tmp_path)
    rgb, _ = _decoded("scene-coffee.jpg")
    torn = np.zeros(rgb.shape[:2], np.uint8)
    torn[40:-40, 60:-60] = 255  # a block through the table: what a bad model might return
    remover = StoredMaskRemover(storage, np.dstack([rgb, torn]))
    chosen = await CutoutChooser(storage, threshold=THRESHOLD, remover=remover).choose(
        rgb, None, await _photo_asset(storage, rgb)
    )
    assert chosen.mask.method == "grabcut"  # tried after the hosted cut-out failed the score
    assert chosen.layout == "full_photo"
    assert any(n.startswith("hosted cut-out scored") for n in chosen.notes), chosen.notes


@pytest.mark.parametrize("problem", ["error", "wrong size", "no alpha"])
async def test_an_unusable_remover_costs_the_cut_out_never_the_job(
    problem: str, tmp_path: Path
) -> None:
    storage = LocalStorage(tmp_path)
    rgb, _ = _decoded("packshot-strawberry.jpg")
    answer: np.ndarray | None = None
    if problem == "wrong size":
        answer = np.zeros((64, 64, 4), np.uint8)
    elif problem == "no alpha":
        answer = rgb.copy()
    remover = StoredMaskRemover(storage, answer, fail=problem == "error")
    chosen = await CutoutChooser(storage, threshold=THRESHOLD, remover=remover).choose(
        rgb, None, await _photo_asset(storage, rgb)
    )
    assert chosen.mask.method == "grabcut" and chosen.quality.passed
    assert any("hosted background removal failed" in n for n in chosen.notes), chosen.notes


async def test_ingest_records_the_score_and_shows_no_torn_cut_out(
    tmp_path: Path, people: PeopleDetector
) -> None:
    """A refused cut-out leaves the whole photo as the product's image: nothing downstream
    (end card, fidelity reference, hosted models) can show the torn one."""
    storage = LocalStorage(tmp_path)
    ingestor = LocalIngestor(storage, MediaLimits(), TextReader(), people=people)
    profile = await ingestor.ingest((CORPUS / "person-astronaut.jpg").read_bytes())
    quality = profile.cutout_quality
    assert quality is not None and not quality.passed and quality.people >= 1
    assert profile.layout == "full_photo"
    assert (profile.cutout.width, profile.cutout.height) == (profile.width, profile.height)
    with Image.open(await storage.path_of(profile.cutout)) as cutout:
        assert np.asarray(cutout.getchannel("A")).min() == 255
    assert any(n.startswith("cut-out (grabcut) scores") for n in profile.notes), profile.notes
    assert any(n == "people in the photo: 1" for n in profile.notes), profile.notes


@pytest.mark.parametrize(
    ("name", "method", "layout"),
    [
        ("packshot-strawberry.jpg", "remover", "cutout"),  # the model's cut passes the score
        ("scene-coffee.jpg", "grabcut", "full_photo"),  # its cut of a scene does not
    ],
)
async def test_ingest_scores_the_hosted_cut_out_like_any_other(
    name: str, method: str, layout: str, tmp_path: Path, people: PeopleDetector
) -> None:
    """The real fal client and remover against the loopback fal fake (BiRefNet's route)."""
    storage = LocalStorage(tmp_path)
    fake = FakeFal()
    async with serving(fake):
        backend = FalBackend("key-id:key-secret", endpoints=FalEndpoints(*[fake.base_url] * 3))
        router = HostedRouter(backend, load_catalog(), storage, policy=FAST)
        remover = HostedBackgroundRemover(router, ("birefnet-v2",))
        ingestor = LocalIngestor(
            storage, MediaLimits(), TextReader(), people=people, remover=remover
        )
        profile = await ingestor.ingest((CORPUS / name).read_bytes())
    assert [r.path for r in fake.submissions("cutout")] == ["/fal-ai/birefnet/v2"]
    assert profile.mask_method == method and profile.layout == layout, profile.notes
    if method == "grabcut":
        assert any(n.startswith("hosted cut-out scored") for n in profile.notes)
