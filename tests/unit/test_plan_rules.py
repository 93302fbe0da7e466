"""Plan-QA rules: each one passes on the planner's own plans and fires, with the right redo
target and check name, on a plan broken in exactly that way."""

from __future__ import annotations

import itertools

import pytest

from aistudio.artifacts import (
    AspectRatio,
    AudioPlan,
    Brief,
    Caption,
    JobKind,
    QACheck,
    RedoTarget,
    Shot,
    ShotList,
    VoiceLine,
)
from aistudio.tools.planner.house_rules import (
    GARMENT_FIDELITY_CLAUSE,
    HUMAN_WORDS,
    REFERENCE_FIDELITY_CLAUSE,
)
from aistudio.tools.planner.offline import OfflinePlanner
from aistudio.tools.planner.rules import check_plan
from tests.unit.test_planner import JACKET, PERFUME, SERUM, TEXTS, VERBOSE, Plan, make_plan

MAX_WPS, TAIL_S = 2.6, 0.3


def run(brief: Brief, plan: Plan) -> dict[str, QACheck]:
    checks = check_plan(
        brief,
        plan.concept,
        plan.shots,
        plan.audio,
        plan.render,
        max_words_per_second=MAX_WPS,
        voice_tail_s=TAIL_S,
    )
    assert len({c.name for c in checks}) == len(checks)
    assert all(0.0 <= c.score <= 1.0 for c in checks)
    return {c.name.removeprefix("plan."): c for c in checks}


def assert_fires(
    checks: dict[str, QACheck], name: str, redo: RedoTarget, also: tuple[str, ...] = ()
) -> None:
    check = checks[name]
    assert not check.passed
    assert check.redo == redo
    assert check.check == name  # the name the agents act on (feedback.REACTIONS)
    assert check.violation  # the words, for people and LLM prompts
    assert check.score < 1.0
    others = [
        c.name for key, c in checks.items() if key != name and key not in also and not c.passed
    ]
    assert not others, f"only {name} should fail, also failed: {others}"


def with_shots(plan: Plan, **changes: object) -> Plan:
    shots = tuple(s.model_copy(update=changes) for s in plan.shots.shots)
    return Plan(plan.concept, ShotList(shots=shots), plan.audio, plan.render)


def with_script(plan: Plan, script: tuple[VoiceLine, ...]) -> Plan:
    return Plan(
        plan.concept, plan.shots, plan.audio.model_copy(update={"script": script}), plan.render
    )


def with_render(plan: Plan, **changes: object) -> Plan:
    return Plan(plan.concept, plan.shots, plan.audio, plan.render.model_copy(update=changes))


async def planned(
    kind: JobKind = "promo", text: str = PERFUME, **extra: object
) -> tuple[Brief, Plan]:
    brief = Brief(kind=kind, text=text, voice_over=True, **extra)
    return brief, await make_plan(brief)


# -- the planner's plans pass ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "duration", "voice", "aspects"),
    list(
        itertools.product(
            ("promo", "fashion", "ugc"),
            TEXTS,
            (6.0, 12.0, 30.0),
            (True, False),
            (("9:16",), ("1:1", "16:9", "9:16")),
        )
    ),
)
async def test_every_rule_passes_on_the_planners_plans(
    kind: JobKind, text: str, duration: float, voice: bool, aspects: tuple[AspectRatio, ...]
) -> None:
    brief = Brief(
        kind=kind, text=text, voice_over=voice, duration_s=duration, aspect_ratios=aspects
    )
    plan = await make_plan(brief)
    report = await OfflinePlanner().review(
        brief, plan.concept, plan.shots, plan.audio, plan.render, attempt=1
    )
    assert report.stage == "plan"
    assert report.attempt == 1
    assert report.passed, report.violations
    assert report.redo is None


async def test_kind_specific_rules_are_present() -> None:
    cases: tuple[tuple[JobKind, str], ...] = (
        ("promo", PERFUME),
        ("fashion", JACKET),
        ("ugc", SERUM),
    )
    names = {kind: set(run(*await planned(kind, text))) for kind, text in cases}
    assert {"no_humans", "humans_flag"} <= names["promo"]
    assert "garment_clause" in names["fashion"]
    assert {"handheld", "first_person"} <= names["ugc"]
    assert "no_humans" not in names["fashion"] | names["ugc"]


# -- each rule fires ------------------------------------------------------------------------


async def test_too_many_words_per_second() -> None:
    brief, plan = await planned()
    script = tuple(
        line.model_copy(update={"text": " ".join(["word"] * 40)}) for line in plan.audio.script
    )
    checks = run(brief, with_script(plan, script))
    assert not checks["words_per_second"].passed
    assert checks["words_per_second"].redo == "audio"
    assert checks["words_per_second"].check == "words_per_second"
    assert (checks["words_per_second"].value or 0) > MAX_WPS
    assert not checks["line_fit"].passed


async def test_one_line_too_long_for_its_slot() -> None:
    brief, plan = await planned(duration_s=30.0)
    script = list(plan.audio.script)
    slot = script[1].max_end_s - script[1].start_s
    words = ("soft", "light", "warm", "calm")  # no word twice in a row: copy_quality stays quiet
    dense = " ".join(words[i % 4] for i in range(int(MAX_WPS * slot + 2)))
    script[1] = script[1].model_copy(update={"text": dense})
    # Keep the whole script under the overall rate: only this line is too dense.
    script[2] = script[2].model_copy(update={"text": "Yes."})
    assert_fires(run(brief, with_script(plan, tuple(script))), "line_fit", "audio")


async def test_overlapping_voice_lines() -> None:
    brief, plan = await planned(duration_s=30.0)
    script = list(plan.audio.script)
    script[0] = script[0].model_copy(update={"max_end_s": script[1].start_s + 0.5})
    assert_fires(run(brief, with_script(plan, tuple(script))), "line_fit", "audio")


async def test_voice_running_into_the_tail() -> None:
    brief, plan = await planned()
    script = list(plan.audio.script)
    script[-1] = script[-1].model_copy(update={"max_end_s": brief.duration_s - 0.1})
    assert_fires(run(brief, with_script(plan, tuple(script))), "voice_tail", "audio")


async def test_missing_script_when_voice_over_was_asked() -> None:
    brief, plan = await planned()
    silent = Plan(plan.concept, plan.shots, AudioPlan(), plan.render)
    assert_fires(run(brief, silent), "voice_script", "audio")


async def test_ugc_script_in_the_third_person() -> None:
    brief, plan = await planned("ugc", SERUM)
    said = ("It works.", "It helps.", "It lasts.", "It fits.", "It sells.", "It ships.")
    script = tuple(
        line.model_copy(update={"text": said[i % len(said)]})
        for i, line in enumerate(plan.audio.script)
    )
    assert_fires(run(brief, with_script(plan, script)), "first_person", "audio")


@pytest.mark.parametrize(
    "words",
    [
        "A woman holds the bottle",
        "hands lift the cap",
        "a model poses",
        "the influencer smiles",
        "people walk past",
        "her face in soft light",
    ],
)
async def test_people_in_a_promo_prompt(words: str) -> None:
    brief, plan = await planned()
    shots = list(plan.shots.shots)
    shots[1] = shots[1].model_copy(
        update={
            "description": f"{words}.",
            "provider_prompt": f"{words}. {REFERENCE_FIDELITY_CLAUSE}",
        }
    )
    broken = Plan(plan.concept, ShotList(shots=tuple(shots)), plan.audio, plan.render)
    checks = run(brief, broken)
    assert_fires(checks, "no_humans", "visual")
    assert "shots [2]" in checks["no_humans"].violation  # type: ignore[operator]


async def test_people_are_fine_in_fashion() -> None:
    brief, plan = await planned("fashion", JACKET)
    assert "worn by a model" in plan.shots.shots[0].provider_prompt
    assert all(c.passed for c in run(brief, plan).values())


async def test_promo_concept_must_not_allow_humans() -> None:
    brief, plan = await planned()
    broken = Plan(
        plan.concept.model_copy(update={"humans_allowed": True}),
        plan.shots,
        plan.audio,
        plan.render,
    )
    assert_fires(run(brief, broken), "humans_flag", "concept")


async def test_missing_fidelity_clause() -> None:
    brief, plan = await planned()
    shots = list(plan.shots.shots)
    shots[0] = shots[0].model_copy(
        update={"provider_prompt": shots[0].provider_prompt.replace(REFERENCE_FIDELITY_CLAUSE, "")}
    )
    broken = Plan(plan.concept, ShotList(shots=tuple(shots)), plan.audio, plan.render)
    assert_fires(run(brief, broken), "fidelity_clause", "visual")


async def test_missing_garment_clause() -> None:
    brief, plan = await planned("fashion", JACKET)
    broken = with_shots(plan, provider_prompt=f"A jacket on a rail. {REFERENCE_FIDELITY_CLAUSE}")
    assert GARMENT_FIDELITY_CLAUSE not in broken.shots.shots[0].provider_prompt
    assert_fires(run(brief, broken), "garment_clause", "visual")


async def test_steady_camera_in_ugc() -> None:
    brief, plan = await planned("ugc", SERUM)
    assert_fires(
        run(brief, with_shots(plan, camera_move="push_in")),
        "handheld",
        "visual",
    )


@pytest.mark.parametrize("count", [2, 6])
async def test_shot_count_outside_the_range(count: int) -> None:
    brief, plan = await planned()
    template = plan.shots.shots[0]
    shots = tuple(template.model_copy(update={"index": i}) for i in range(count))
    broken = Plan(plan.concept, ShotList(shots=shots), plan.audio, plan.render)
    checks = run(brief, broken)
    assert not checks["shot_count"].passed
    assert checks["shot_count"].redo == "visual"
    assert checks["shot_count"].check == "shot_count"
    assert checks["shot_count"].value == count


async def test_durations_that_do_not_add_up() -> None:
    brief, plan = await planned()
    shots = list(plan.render.shots)
    shots[-1] = shots[-1].model_copy(update={"duration_s": shots[-1].duration_s + 0.5})
    checks = run(brief, with_render(plan, shots=tuple(shots)))
    assert_fires(checks, "timing", "assembly")
    assert "12.500s" in checks["timing"].measured


async def test_a_missing_transition() -> None:
    brief, plan = await planned()
    end = plan.render.end_card
    broken = with_render(
        plan,
        transitions=plan.render.transitions[:-1],
        end_card=end.model_copy(
            update={"duration_s": end.duration_s - plan.render.transitions[-1].duration_s}
        ),
    )
    # Without the last transition the last shot has no place on the timeline: its caption
    # is misplaced too (same agent to fix it).
    assert_fires(run(brief, broken), "timing", "assembly", also=("caption_timing",))


async def test_caption_too_long() -> None:
    brief, plan = await planned()
    captions = list(plan.render.captions)
    captions[0] = captions[0].model_copy(
        update={"text": "An unreasonably long caption text for a phone"}
    )
    assert_fires(
        run(brief, with_render(plan, captions=tuple(captions))),
        "caption_length",
        "assembly",
    )


@pytest.mark.parametrize("problem", ["over_end_card", "overlap", "too_short", "outside"])
async def test_badly_timed_captions(problem: str) -> None:
    brief, plan = await planned()
    captions = list(plan.render.captions)
    first, last = captions[0], captions[-1]
    if problem == "over_end_card":
        captions[-1] = last.model_copy(update={"end_s": brief.duration_s - 0.5})
    elif problem == "overlap":
        captions[0] = first.model_copy(update={"end_s": captions[1].start_s + 0.3})
    elif problem == "too_short":
        captions[0] = first.model_copy(update={"end_s": first.start_s + 0.2})
    else:  # spans two shots entirely
        captions = [Caption(start_s=0.2, end_s=captions[1].end_s, text="Across"), *captions[2:]]
    assert_fires(
        run(brief, with_render(plan, captions=tuple(captions))),
        "caption_timing",
        "assembly",
    )


async def test_missing_aspect_ratio() -> None:
    brief, plan = await planned(aspect_ratios=("9:16", "16:9"))
    checks = run(brief, with_render(plan, aspect_ratios=("9:16",)))
    assert_fires(checks, "aspect_ratios", "assembly")
    assert checks["aspect_ratios"].score == pytest.approx(0.5)


async def test_report_routes_to_the_earliest_agent_that_can_fix_everything() -> None:
    brief, plan = await planned()
    broken = with_render(with_shots(plan, provider_prompt="no clause"), aspect_ratios=())
    report = await OfflinePlanner().review(
        brief, broken.concept, broken.shots, broken.audio, broken.render, attempt=0
    )
    assert not report.passed
    assert report.redo == "visual"
    assert "aspect_ratios" in {v.check for v in report.feedback}
    assert all(v.stage == "plan" and v.attempt == 0 for v in report.feedback)


# -- the human-word rule's edges ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "hand cream in a glass jar",
        "face serum with vitamin C",
        "model number X200",
        "handmade ceramic",
        "the manual grinder",
        "a woman's day",
        "chairman",
        "Germany",
    ],
)
def test_product_words_are_not_people(text: str) -> None:
    hits = HUMAN_WORDS.findall(text)
    assert hits == (["woman"] if "woman" in text else [])


async def test_the_product_name_itself_is_not_a_person() -> None:
    brief = Brief(kind="promo", text="Hand Cream No. 5 with shea butter", voice_over=True)
    plan = await make_plan(brief)
    assert plan.concept.product_name == "Hand Cream No. 5"
    assert run(brief, plan)["no_humans"].passed


async def test_verbose_brief_that_mentions_people_still_plans_a_product_only_promo() -> None:
    brief, plan = await planned("promo", VERBOSE, duration_s=30.0)
    assert run(brief, plan)["no_humans"].passed
    assert not any(HUMAN_WORDS.search(s.provider_prompt) for s in plan.shots.shots)


def test_shot_model_is_what_the_rules_read() -> None:
    # Guard: the rules read these fields; a renamed field must break this test, not QA.
    assert {"description", "provider_prompt", "camera_move", "caption"} <= set(Shot.model_fields)
