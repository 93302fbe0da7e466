"""The offline planner: deterministic, brief-driven, within the house rules, exact timing,
and it moves in the intended direction when QA feedback comes back."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from aistudio.artifacts import (
    AspectRatio,
    Asset,
    AssetKind,
    AudioPlan,
    Brief,
    CheckName,
    Concept,
    Grade,
    JobKind,
    ProductProfile,
    RenderPlan,
    ShotList,
    Violation,
)
from aistudio.tools.planner.brief_text import parse_brief
from aistudio.tools.planner.copy_rules import problems
from aistudio.tools.planner.feedback import Retry, as_violations, checks_named
from aistudio.tools.planner.fit import caption_fits
from aistudio.tools.planner.grammar import is_truncation
from aistudio.tools.planner.house_rules import (
    FIRST_PERSON_WORDS,
    GARMENT_FIDELITY_CLAUSE,
    HUMAN_WORDS,
    MAX_CAPTION_CHARS,
    MAX_PRODUCT_SCALE,
    REFERENCE_FIDELITY_CLAUSE,
    RULES,
    backdrop_colours,
    contrast_ratio,
    plan_timeline,
)
from aistudio.tools.planner.offline import OfflinePlanner

PERFUME = (
    "AURUM Eau de Parfum, amber and vanilla with sandalwood, in a hand-polished glass "
    "bottle with a gold cap. Shop now at aurum.example"
)
JACKET = (
    "NORTHWIND storm jacket: waterproof recycled shell, taped seams and a relaxed fit for "
    "city rain. New season, order today"
)
SERUM = (
    "GLOW SERUM with vitamin C and hyaluronic acid. My skin looks brighter after one week "
    "and it absorbs fast. Try it today"
)
LAMP = (
    "Make a luxurious promo video for Lumen desk lamp with warm dimmable light and a "
    "brushed brass arm. For busy professionals who work late. Visit lumen.shop"
)
VERBOSE = (
    "Our incredibly versatile, ultra-lightweight, extraordinarily durable aerospace-grade "
    "titanium travel mug keeps beverages piping hot for twenty-four consecutive hours, features "
    "a spill-proof magnetic locking lid engineered by award-winning industrial designers, fits "
    "every standard car cupholder, is dishwasher safe on the top rack, comes in eleven "
    "hand-picked seasonal colours, and is loved by people, women, men and influencers who "
    "travel constantly for work and adventure. Order today at mug.example"
)
KINDS: tuple[JobKind, ...] = ("promo", "fashion", "ugc")
TEXTS = (PERFUME, JACKET, SERUM, LAMP, VERBOSE, "A fine mug")


def _asset(kind: AssetKind) -> Asset:
    return Asset(key=f"k/{kind}", kind=kind, mime="image/png", sha256="0" * 64, size_bytes=1)


def product(
    palette: tuple[str, ...] = ("#c89b3c", "#20140a"), detected_text: tuple[str, ...] = ()
) -> ProductProfile:
    return ProductProfile(
        normalized=_asset("normalized"),
        cutout=_asset("cutout"),
        width=800,
        height=800,
        bbox=(200, 100, 400, 600),
        palette=palette,
        background="#f4f4f4",
        detected_text=detected_text,
    )


@dataclass(frozen=True)
class Plan:
    concept: Concept
    shots: ShotList
    audio: AudioPlan
    render: RenderPlan


async def make_plan(
    brief: Brief,
    profile: ProductProfile | None = None,
    feedback: Sequence[Violation] = (),
    planner: OfflinePlanner | None = None,
) -> Plan:
    planner = planner or OfflinePlanner()
    profile = profile or product()
    concept = await planner.concept(brief, profile, feedback)
    shots = await planner.visual(brief, profile, concept, feedback)
    audio = await planner.audio(brief, concept, shots, feedback)
    render = await planner.assembly(brief, profile, concept, shots, audio, feedback)
    return Plan(concept, shots, audio, render)


def brief(kind: JobKind = "promo", text: str = PERFUME, **extra: object) -> Brief:
    return Brief(kind=kind, text=text, voice_over=True, **extra)


# -- determinism and variety -------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_same_brief_and_seed_give_the_identical_plan(kind: JobKind) -> None:
    first = await make_plan(brief(kind, seed=7))
    second = await make_plan(brief(kind, seed=7), planner=OfflinePlanner())
    assert first == second


async def test_another_seed_gives_another_plan() -> None:
    a, b = await make_plan(brief(seed=1)), await make_plan(brief(seed=2))
    assert a.render.shots != b.render.shots


async def test_different_briefs_give_visibly_different_plans() -> None:
    texts = (
        PERFUME,
        LAMP,
        "Wireless earbuds with 40-hour battery, active noise cancelling "
        "and a sweat-proof design for runners",
    )
    plans = [await make_plan(brief("promo", text)) for text in texts]
    captions = [tuple(s.caption for s in p.shots.shots) for p in plans]
    lines = [tuple(line.text for line in p.audio.script) for p in plans]
    moves = [tuple(s.camera_move for s in p.shots.shots) for p in plans]
    backdrops = [tuple(s.backdrop for s in p.render.shots) for p in plans]
    for values in (captions, lines, moves, backdrops):
        assert len(set(values)) == len(values), values
    assert {p.concept.product_name for p in plans} == {
        "AURUM Eau de Parfum",
        "Lumen desk lamp",
        "The wireless earbuds",  # no brand: "Introducing the wireless earbuds"
    }


async def test_captions_and_lines_come_from_the_brief() -> None:
    plan = await make_plan(brief("promo", PERFUME))
    assert plan.shots.shots[0].caption == "AURUM Eau de Parfum"
    assert plan.shots.shots[1].caption == "Amber and vanilla"
    spoken = " ".join(line.text for line in plan.audio.script).lower()
    assert "amber" in spoken
    assert "shop now at aurum.example" in spoken
    assert plan.render.end_card.call_to_action == "Shop now at aurum.example"


# -- house rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "duration"), list(itertools.product(TEXTS, (6.0, 12.0, 30.0))))
async def test_promo_is_product_only_with_three_to_five_shots(text: str, duration: float) -> None:
    plan = await make_plan(brief("promo", text, duration_s=duration))
    assert 3 <= len(plan.shots.shots) <= 5
    assert not plan.concept.humans_allowed
    name = plan.concept.product_name
    for shot in plan.shots.shots:
        text_in_frame = f"{shot.description} {shot.provider_prompt}".replace(name, "")
        assert not HUMAN_WORDS.search(text_in_frame), text_in_frame
        assert shot.camera_move in ("push_in", "orbit", "pan_left", "pan_right", "parallax")
        assert shot.provider_prompt.endswith(REFERENCE_FIDELITY_CLAUSE)
    assert plan.concept.grade == "luxurious"
    assert plan.concept.music_mood == "luxurious"
    assert {s.framing for s in plan.shots.shots} & {"close", "macro"}  # label/material detail


@pytest.mark.parametrize("text", TEXTS)
async def test_fashion_allows_people_and_demands_garment_details(text: str) -> None:
    plan = await make_plan(brief("fashion", text))
    assert plan.concept.humans_allowed
    assert plan.concept.grade == "stylish"
    assert 3 <= len(plan.shots.shots) <= 5
    for shot in plan.shots.shots:
        assert GARMENT_FIDELITY_CLAUSE in shot.provider_prompt
        assert REFERENCE_FIDELITY_CLAUSE in shot.provider_prompt
        assert shot.camera_move in RULES["fashion"].moves


@pytest.mark.parametrize(("text", "duration"), list(itertools.product(TEXTS, (6.0, 12.0, 30.0))))
async def test_ugc_is_handheld_and_spoken_in_the_first_person(text: str, duration: float) -> None:
    plan = await make_plan(brief("ugc", text, duration_s=duration))
    assert 3 <= len(plan.shots.shots) <= 4
    assert {s.camera_move for s in plan.shots.shots} == {"handheld"}
    assert {s.camera_move for s in plan.render.shots} == {"handheld"}
    assert plan.concept.grade == "natural"
    script = plan.audio.script
    assert FIRST_PERSON_WORDS.search(script[0].text)
    assert sum(bool(FIRST_PERSON_WORDS.search(line.text)) for line in script) >= len(script) / 2


async def test_voice_over_off_means_no_script() -> None:
    plan = await make_plan(Brief(kind="ugc", text=SERUM, voice_over=False))
    assert not plan.audio.voice_enabled
    assert plan.audio.script == ()


@pytest.mark.parametrize(
    ("vibe", "grade", "mood"),
    [
        ("fresh and airy summer", "fresh", "upbeat"),
        ("bold, punchy, energetic", "bold", "upbeat"),
        ("calm and serene", "natural", "calm"),
        ("cozy and warm", "natural", "warm"),
        ("chic urban editorial", "stylish", "stylish"),
        ("quantum", "luxurious", "luxurious"),  # nothing recognisable: the house look holds
    ],
)
async def test_vibe_overrides_the_house_look(vibe: str, grade: str, mood: str) -> None:
    plan = await make_plan(brief("promo", PERFUME, vibe=vibe))
    assert (plan.concept.grade, plan.concept.music_mood) == (grade, mood)
    assert plan.render.grade == grade
    assert plan.audio.music_mood == mood
    assert plan.concept.vibe == vibe


# -- timing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "duration"),
    list(itertools.product(KINDS, (6.0, 7.5, 9.0, 12.0, 12.01, 15.0, 20.0, 30.0, 45.0, 60.0))),
)
async def test_shots_end_card_and_transitions_add_up_exactly(
    kind: JobKind, duration: float
) -> None:
    full = await make_plan(brief(kind, VERBOSE, duration_s=duration))
    plan = full.render
    assert [s.duration_s for s in plan.shots] == [s.duration_s for s in full.shots.shots]
    total = (
        sum(s.duration_s for s in plan.shots)
        + plan.end_card.duration_s
        - sum(t.duration_s for t in plan.transitions)
    )
    assert total == pytest.approx(duration, abs=1e-3)
    assert len(plan.transitions) == len(plan.shots)
    for shot in plan.shots:
        assert shot.duration_s * plan.fps == pytest.approx(
            round(shot.duration_s * plan.fps), abs=1e-3
        )
    for shot, transition in zip(plan.shots, plan.transitions, strict=True):
        assert transition.duration_s < shot.duration_s / 2
    assert 1.4 <= plan.end_card.duration_s <= 2.6


@pytest.mark.parametrize(("kind", "duration"), list(itertools.product(KINDS, (6.0, 12.0, 30.0))))
async def test_captions_sit_inside_their_shot_and_before_the_end_card(
    kind: JobKind, duration: float
) -> None:
    plan = (await make_plan(brief(kind, VERBOSE, duration_s=duration))).render
    assert len(plan.captions) == len(plan.shots)
    start = 0.0
    for shot, transition, caption in zip(plan.shots, plan.transitions, plan.captions, strict=True):
        assert start <= caption.start_s < caption.end_s <= start + shot.duration_s
        assert caption.end_s - caption.start_s >= 0.6
        assert len(caption.text) <= MAX_CAPTION_CHARS
        start += shot.duration_s - transition.duration_s
    assert plan.captions[-1].end_s <= start  # `start` is now the end card's start
    for a, b in itertools.pairwise(plan.captions):
        assert a.end_s <= b.start_s


@pytest.mark.parametrize(("kind", "duration"), list(itertools.product(KINDS, (6.0, 12.0, 30.0))))
async def test_verbose_briefs_are_spoken_within_the_rate_limit(
    kind: JobKind, duration: float
) -> None:
    plan = await make_plan(brief(kind, VERBOSE, duration_s=duration))
    script = plan.audio.script
    assert len(script) == len(plan.shots.shots)
    span = script[-1].max_end_s - script[0].start_s
    assert plan.audio.words / span <= 2.6
    for line, following in itertools.pairwise(script):
        assert line.max_end_s <= following.start_s
    for line in script:
        assert len(line.text.split()) <= 2.6 * (line.max_end_s - line.start_s)
    assert script[-1].max_end_s <= duration - 0.3


def test_timeline_fits_agent_lengths_that_already_add_up_unchanged() -> None:
    planned = plan_timeline("promo", 12.0, [1.0, 1.3, 0.9, 1.1], 30)
    fitted = plan_timeline("promo", 12.0, list(planned.shot_s), 30)
    assert fitted == planned
    stretched = plan_timeline("promo", 12.0, [2.0, 2.0, 2.0], 30)  # an agent's 6 s of shots
    assert sum(stretched.shot_s) - sum(
        stretched.transition_s
    ) + stretched.end_card_s == pytest.approx(12.0, abs=1e-6)


# -- look -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("palette", "grade"),
    list(
        itertools.product(
            (
                ("#ffffff",),
                ("#000000",),
                ("#c89b3c", "#20140a"),
                ("#808080",),
                ("#ff0000", "#00ff00"),
                (),
            ),
            ("luxurious", "stylish", "bold", "fresh", "natural"),
        )
    ),
)
def test_backdrop_always_stands_off_the_product(palette: tuple[str, ...], grade: Grade) -> None:
    top, bottom = backdrop_colours(palette, grade, random.Random(3))
    dominant = palette[0] if palette else "#808080"
    middle = "#" + "".join(
        f"{(int(top[i : i + 2], 16) + int(bottom[i : i + 2], 16)) // 2:02x}" for i in (1, 3, 5)
    )
    assert contrast_ratio(dominant, middle) >= 1.9


async def test_luxurious_is_darker_than_fresh_behind_a_light_product() -> None:
    bright = product(("#f2f2f2", "#d0d0d0"))
    lux = await make_plan(brief("promo", PERFUME), bright)
    fresh = await make_plan(brief("promo", PERFUME, vibe="fresh"), bright)
    assert sum(int(lux.render.end_card.backdrop[0][i : i + 2], 16) for i in (1, 3, 5)) < sum(
        int(fresh.render.end_card.backdrop[0][i : i + 2], 16) for i in (1, 3, 5)
    )


async def test_product_scale_follows_framing() -> None:
    plan = await make_plan(brief("promo", PERFUME, duration_s=30.0))
    # The house scale, spread apart so wides and close-ups differ (planner/variety.py).
    # A framing used again comes a step closer each time (capped at MAX_PRODUCT_SCALE).
    expected = {"wide": 0.36, "medium": 0.55, "close": 0.816, "macro": 0.92}
    seen: list[str] = []
    for shot in plan.render.shots:
        again = 1.18 ** seen.count(shot.framing)
        seen.append(shot.framing)
        wanted = min(MAX_PRODUCT_SCALE, expected[shot.framing] * again)
        assert shot.product_scale == pytest.approx(wanted, rel=0.04)
        assert abs(shot.product_offset[0]) <= 0.05
        assert abs(shot.product_offset[1]) <= 0.05


@pytest.mark.parametrize("aspects", [("9:16",), ("9:16", "1:1", "16:9")])
async def test_every_requested_aspect_is_planned(aspects: tuple[AspectRatio, ...]) -> None:
    plan = await make_plan(brief("fashion", JACKET, aspect_ratios=aspects))
    assert plan.render.aspect_ratios == aspects


# -- feedback -------------------------------------------------------------------------------


def failed(check: CheckName, attempt: int = 0, **fields: Any) -> Violation:
    """A violation as a QA pass reports it (output QA unless told)."""
    return Violation(check=check, stage=fields.pop("stage", "output"), attempt=attempt, **fields)


async def test_rate_feedback_shortens_the_script() -> None:
    b = brief("promo", VERBOSE, duration_s=30.0)
    before = await make_plan(b)
    once = await make_plan(b, feedback=(failed("words_per_second", value=2.9, stage="plan"),))
    twice = await make_plan(
        b,
        feedback=(
            failed("voice_tail", value=30.1),
            failed("words_per_second", 1, value=2.7, stage="plan"),
        ),
    )
    assert before.audio.words > once.audio.words > twice.audio.words
    assert before.shots == once.shots  # only the agent that can fix it changes anything
    assert before.render.captions == once.render.captions


@pytest.mark.parametrize("kind", KINDS)
async def test_a_voice_cut_short_twice_still_speaks_whole_sentences(kind: JobKind) -> None:
    # Two reports that the voice ran long leave slots of a word or two: what goes there
    # is a whole line, never a cut one ("Honestly, I'm.").
    b = brief(kind, "I switched to this little bulb for my reading lamp and the light is so warm")
    b = b.model_copy(update={"duration_s": 8.0})
    feedback = (failed("voice_tail", value=7.9), failed("voice_tail", 1, value=7.9))
    plan = await make_plan(b, feedback=feedback)
    assert plan.audio.script
    for line in plan.audio.script:
        assert problems(line.text) == [], line.text


def test_feedback_in_words_is_understood() -> None:
    def note(text: str) -> Violation:
        return Violation(check="note", detail=text)

    assert checks_named(note("The voice ends too late in the clip")) == ("voice_tail",)
    assert checks_named(note("caption illegible on 16:9")) == ("caption_legibility",)
    assert checks_named(note("all good")) == ()
    judged = Violation(check="llm_judge", detail="pacing: the voice is too fast", shot_index=1)
    assert checks_named(judged) == ("words_per_second",)
    assert Retry.of([judged]).slower_voice == 1
    # A typed violation is about its own check, whatever its words say.
    assert checks_named(failed("timing", detail="voice too long")) == ("timing",)
    # An older checkpoint's feedback is text with the old tokens: still understood.
    legacy = as_violations(["fidelity-low: shot 2 matches the reference with only 4 inliers"])
    assert Retry.of(legacy).larger_product == {-1: 1} and Retry.of(legacy).steady_camera


def test_repeats_count_by_qa_pass_and_by_shot() -> None:
    fidelity = [failed("fidelity", 0, shot_index=1, aspect=a) for a in ("9:16", "1:1")]
    fidelity += [failed("fidelity", 1, shot_index=1), failed("fidelity", 1, shot_index=3)]
    retry = Retry.of(fidelity)
    assert retry.larger_product == {1: 2, 3: 1}  # two passes named shot 2, one shot 4
    captions = [failed("caption_legibility", attempt, caption_index=0) for attempt in (0, 1)]
    captions += [failed("caption_legibility", 0, caption_index=1)]
    assert Retry.of(captions).larger_captions == 2  # the caption reported most, by pass
    assert Retry.of([failed("people"), failed("no_humans", stage="plan")]).product_only
    assert Retry.of([failed("timing", stage="plan")]) == Retry()  # no knob: rerun as it is


async def test_illegible_captions_get_bigger_and_shorter() -> None:
    b = brief("fashion", JACKET)
    before = await make_plan(b)
    illegible = (failed("caption_legibility", 0, caption_index=0, value=0.31),)
    again = (*illegible, failed("caption_legibility", 1, caption_index=0, value=0.4))
    once, twice = await make_plan(b, feedback=illegible), await make_plan(b, feedback=again)
    assert before.render.caption_scale == 1.0
    assert once.render.caption_scale == pytest.approx(1.2)
    assert twice.render.caption_scale == pytest.approx(1.44)
    # Bigger type wraps sooner: every caption still fits two lines at its planned size,
    # measured with the renderer's font, and none is a cut-off version of its shot caption.
    for plan in (before, once, twice):
        for caption, shot in zip(plan.render.captions, plan.shots.shots, strict=True):
            assert caption_fits(caption.text, b.aspect_ratios, plan.render.caption_scale)
            assert not is_truncation(caption.text, shot.caption)
    assert before.render.shots == once.render.shots


async def test_long_captions_get_shorter() -> None:
    b = brief(
        "promo",
        "VELOUR candle: hand-poured coconut and soy wax, forty-hour clean slow burn",
        aspect_ratios=("16:9",),  # wide frames fit long captions: the character cap binds
    )
    before = await make_plan(b)
    after = await make_plan(b, feedback=(failed("caption_length", stage="plan", value=40),))
    longest = max(len(c.text) for c in before.render.captions)
    assert max(len(c.text) for c in after.render.captions) <= min(longest, MAX_CAPTION_CHARS - 6)
    assert longest > MAX_CAPTION_CHARS - 6  # the brief really had long captions to shorten
    for caption in after.render.captions:  # shorter whole phrases, not cut-off ones
        assert not any(is_truncation(caption.text, p) for p in after.concept.selling_points)


async def test_low_fidelity_enlarges_and_centres_the_named_shot_only() -> None:
    b = brief("promo", PERFUME)
    before = await make_plan(b)
    after = await make_plan(b, feedback=(failed("fidelity", shot_index=1, value=4),))
    old, new = before.render.shots, after.render.shots
    assert new[1].product_scale == pytest.approx(
        min(old[1].product_scale * 1.15, MAX_PRODUCT_SCALE), abs=2e-3
    )
    assert new[1].product_offset == (0.0, 0.0)
    assert [s.product_scale for i, s in enumerate(new) if i != 1] == [
        s.product_scale for i, s in enumerate(old) if i != 1
    ]


async def test_low_fidelity_without_a_shot_enlarges_every_shot_up_to_the_cap() -> None:
    b = brief("promo", PERFUME, duration_s=30.0)
    before = await make_plan(b)
    after = await make_plan(b, feedback=tuple(failed("fidelity", attempt) for attempt in range(3)))
    for old, new in zip(before.render.shots, after.render.shots, strict=True):
        assert new.product_scale > old.product_scale or new.product_scale == MAX_PRODUCT_SCALE
        assert new.product_scale <= MAX_PRODUCT_SCALE


async def test_humans_feedback_keeps_brief_details_out_of_promo_prompts() -> None:
    b = brief("promo", PERFUME, duration_s=30.0)
    before = await make_plan(b)
    after = await make_plan(b, feedback=(failed("people", value=1),))
    assert any("highlighting" in s.provider_prompt for s in before.shots.shots)
    assert not any("highlighting" in s.provider_prompt for s in after.shots.shots)
    assert [s.caption for s in before.shots.shots] == [s.caption for s in after.shots.shots]


# -- brief parsing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "name", "cta", "points"),
    [
        (
            "promo",
            PERFUME,
            "AURUM Eau de Parfum",
            "Shop now at aurum.example",
            ("Amber and vanilla", "Sandalwood", "Hand-polished glass bottle", "Gold cap"),
        ),
        (
            "fashion",
            JACKET,
            "NORTHWIND storm jacket",
            "Order today",
            ("Waterproof recycled shell", "Taped seams", "Relaxed fit for city rain"),
        ),
        (
            "ugc",
            SERUM,
            "GLOW SERUM",
            "Try it today",
            (
                "Vitamin C and hyaluronic acid",
                "My skin looks brighter after one week",
                "Absorbs fast",
            ),
        ),
        (
            "promo",
            LAMP,
            "Lumen desk lamp",
            "Visit lumen.shop",
            ("Warm dimmable light", "Brushed brass arm"),
        ),
        (
            "ugc",
            'My new "Pocket Blender" blends smoothies in 30 seconds and fits in my gym bag',
            "Pocket Blender",
            "Try it yourself",
            (),
        ),
        (
            "fashion",
            "A linen dress in sage green",
            "The linen dress",
            "Shop the collection",
            ("Sage green",),
        ),
        (  # a possessive belongs to the name: not "the navy naval officer" + "S jacket"
            "fashion",
            "Navy naval officer's jacket with gold braid, tailored wool. Shop at uniforms.example",
            "The navy naval officer's jacket",
            "Shop at uniforms.example",
            ("Gold braid", "Tailored wool"),
        ),
    ],
)
def test_brief_parsing(
    kind: JobKind, text: str, name: str, cta: str, points: tuple[str, ...]
) -> None:
    parsed = parse_brief(text, kind)
    assert parsed.product_name == name
    assert parsed.call_to_action == cta
    assert parsed.selling_points[: len(points)] == points


def test_label_text_completes_the_name_and_audience_is_found() -> None:
    parsed = parse_brief("Meet aurum: soft amber, for busy parents", "promo", ("AURUM",))
    assert parsed.product_name.lower() == "aurum"
    assert parsed.audience == "busy parents"
    assert not parsed.cta_explicit


def test_an_ingredient_the_label_lists_is_not_the_name() -> None:
    text = "GLOW SERUM with vitamin C and hyaluronic acid. My skin looks brighter. Try it today"
    label = ("GLOW", "SERUM", "Vitamin C +", "Hyaluronic Acid", "30 ml")
    assert parse_brief(text, "ugc", label).product_name == "GLOW SERUM"


async def test_one_round_of_output_qa_over_three_aspects_counts_once() -> None:
    b = brief("promo", PERFUME, aspect_ratios=("9:16", "1:1", "16:9"))
    before = await make_plan(b)
    # Output QA checks each aspect, so one round reports each caption and shot three times.
    aspects = b.aspect_ratios

    def qa_pass(attempt: int) -> tuple[Violation, ...]:
        captions = [
            failed("caption_legibility", attempt, caption_index=i, aspect=a, value=0.2)
            for i in range(len(before.render.captions))
            for a in aspects
        ]
        shots = [failed("fidelity", attempt, shot_index=0, aspect=a, value=2) for a in aspects]
        return (*captions, *shots)

    after = await make_plan(b, feedback=qa_pass(0))
    assert after.render.caption_scale == pytest.approx(1.2)
    assert after.render.shots[0].product_scale == pytest.approx(
        before.render.shots[0].product_scale * 1.15, abs=2e-3
    )
    second = await make_plan(b, feedback=qa_pass(0) + qa_pass(1))
    assert second.render.caption_scale == pytest.approx(1.44)
