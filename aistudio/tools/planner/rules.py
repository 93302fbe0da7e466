"""Plan QA rules (pure): run before anything is rendered or paid for.

Each rule is one QACheck named by its `CheckName`, with a 0..1 score, the measured value, a
violation text and the cheapest agent that can fix it. An agent on a retry acts on the
check's name and fields (`feedback.py`), never on the text.
"""

from __future__ import annotations

import itertools
import re

from aistudio.artifacts import (
    AudioPlan,
    Brief,
    Caption,
    CheckName,
    Concept,
    QACheck,
    RedoTarget,
    RenderPlan,
    ShotList,
)
from aistudio.tools.planner.copy_checks import caption_fit, copy_quality
from aistudio.tools.planner.house_rules import (
    FIRST_PERSON_WORDS,
    GARMENT_FIDELITY_CLAUSE,
    HUMAN_WORDS,
    MAX_CAPTION_CHARS,
    MIN_CAPTION_S,
    REFERENCE_FIDELITY_CLAUSE,
    RULES,
)

_EPS = 1e-3  # timings are frame-rounded; a millisecond is well below a frame


def _rule(
    check: CheckName,
    ok: bool,
    score: float,
    measured: str,
    violation: str,
    redo: RedoTarget,
    *,
    value: float | None = None,
) -> QACheck:
    return QACheck(
        name=f"plan.{check}",
        check=check,
        score=round(max(0.0, min(1.0, score)), 3),
        passed=ok,
        measured=measured,
        value=value,
        violation=None if ok else violation,
        redo=None if ok else redo,
    )


def _script_checks(brief: Brief, audio: AudioPlan, max_wps: float, tail_s: float) -> list[QACheck]:
    if not audio.voice_enabled or not audio.script:
        ok = not brief.voice_over
        return [
            _rule(
                "voice_script",
                ok,
                float(ok),
                "no script",
                "voice-over was asked for but the plan has no script",
                "audio",
            )
        ]
    script = audio.script
    span = max(line.max_end_s for line in script) - script[0].start_s
    wps = audio.words / max(span, 0.1)
    checks = [
        _rule(
            "words_per_second",
            wps <= max_wps + 1e-9,
            max_wps / max(wps, 1e-6),
            f"{wps:.2f} words/s over {span:.2f}s",
            f"script runs at {wps:.2f} words/s (limit {max_wps})",
            "audio",
            value=wps,
        )
    ]
    tight: list[str] = []
    for i, line in enumerate(script):
        slot = line.max_end_s - line.start_s
        words = len(line.text.split())
        next_start = script[i + 1].start_s if i + 1 < len(script) else None
        if slot <= 0 or words > max_wps * slot + 1e-9:
            tight.append(f"line {i + 1} ({words} words in {slot:.2f}s)")
        elif next_start is not None and line.max_end_s > next_start + _EPS:
            tight.append(f"line {i + 1} overlaps line {i + 2}")
    checks.append(
        _rule(
            "line_fit",
            not tight,
            1 - len(tight) / len(script),
            f"{len(script) - len(tight)}/{len(script)} lines fit",
            f"lines do not fit their slots at {max_wps} words/s: " + ", ".join(tight),
            "audio",
            value=len(tight),
        )
    )
    end = max(line.max_end_s for line in script)
    limit = brief.duration_s - tail_s
    checks.append(
        _rule(
            "voice_tail",
            end <= limit + _EPS,
            1.0 if end <= limit + _EPS else max(0.0, 1 - (end - limit)),
            f"voice may run to {end:.2f}s",
            f"voice-over may run to {end:.2f}s, past {limit:.2f}s",
            "audio",
            value=end,
        )
    )
    if brief.kind == "ugc":
        first = [bool(FIRST_PERSON_WORDS.search(line.text)) for line in script]
        share = sum(first) / len(first)
        ok = first[0] and share >= 0.5
        checks.append(
            _rule(
                "first_person",
                ok,
                share * 2 if first[0] else share / 2,
                f"{sum(first)}/{len(first)} lines in the first person",
                "a UGC script opens in the first person and keeps to it in at least half its lines",
                "audio",
            )
        )
    return checks


def _prompt_texts(shots: ShotList, plan: RenderPlan) -> list[tuple[int, str]]:
    texts = [(s.index, f"{s.description} {s.provider_prompt}") for s in shots.shots]
    return texts + [(r.shot_index, r.prompt) for r in plan.shots if r.prompt]


def _human_words(text: str, product_name: str) -> set[str]:
    # The product's own name is not a person in frame ("Hand Cream No. 5").
    if product_name:
        text = re.sub(re.escape(product_name), " ", text, flags=re.IGNORECASE)
    return {m.group(0).lower() for m in HUMAN_WORDS.finditer(text)}


def _visual_checks(
    brief: Brief, concept: Concept, shots: ShotList, plan: RenderPlan
) -> list[QACheck]:
    rules = RULES[brief.kind]
    low, high = rules.shot_range
    count = len(shots.shots)
    checks = [
        _rule(
            "shot_count",
            low <= count <= high,
            float(low <= count <= high),
            f"{count} shots",
            f"{count} shots; a {brief.kind} takes {low}-{high}",
            "visual",
            value=count,
        )
    ]
    prompts = [s.provider_prompt for s in shots.shots] + [r.prompt for r in plan.shots]
    missing = sum(REFERENCE_FIDELITY_CLAUSE not in p for p in prompts)
    checks.append(
        _rule(
            "fidelity_clause",
            not missing,
            1 - missing / max(len(prompts), 1),
            f"{len(prompts) - missing}/{len(prompts)} prompts",
            f"{missing} prompt(s) lack the reference-fidelity clause",
            "visual",
        )
    )
    if not rules.humans_allowed:
        hits: dict[int, set[str]] = {}
        for index, text in _prompt_texts(shots, plan):
            found = _human_words(text, concept.product_name)
            if found:
                hits.setdefault(index, set()).update(found)
        words = sorted(set().union(*hits.values())) if hits else []
        checks.append(
            _rule(
                "no_humans",
                not hits,
                1 - len(hits) / max(count, 1),
                f"human words: {', '.join(words) or 'none'}",
                f"shots {sorted(i + 1 for i in hits)} mention {', '.join(words)}",
                "visual",
            )
        )
        checks.append(
            _rule(
                "humans_flag",
                not concept.humans_allowed,
                float(not concept.humans_allowed),
                f"humans_allowed={concept.humans_allowed}",
                f"a {brief.kind} is product-only but the concept allows humans",
                "concept",
            )
        )
    if brief.kind == "fashion":
        lacking = [
            s.index + 1 for s in shots.shots if GARMENT_FIDELITY_CLAUSE not in s.provider_prompt
        ]
        checks.append(
            _rule(
                "garment_clause",
                not lacking,
                1 - len(lacking) / max(count, 1),
                f"{count - len(lacking)}/{count} prompts",
                f"shots {lacking} lack the garment-detail clause",
                "visual",
            )
        )
    if brief.kind == "ugc":
        moves = [s.camera_move for s in shots.shots] + [r.camera_move for r in plan.shots]
        steady = sum(m != "handheld" for m in moves)
        checks.append(
            _rule(
                "handheld",
                not steady,
                1 - steady / max(len(moves), 1),
                f"{len(moves) - steady}/{len(moves)} hand-held",
                f"{steady} UGC shot(s) are not hand-held",
                "visual",
            )
        )
    return checks


def _timing_check(brief: Brief, shots: ShotList, plan: RenderPlan) -> QACheck:
    total = (
        sum(s.duration_s for s in plan.shots)
        + plan.end_card.duration_s
        - sum(t.duration_s for t in plan.transitions)
    )
    drift = abs(total - brief.duration_s)
    problems = []
    if drift > _EPS or abs(plan.duration_s - brief.duration_s) > _EPS:
        problems.append(f"planned {total:.3f}s, not {brief.duration_s:.3f}s")
    if len(plan.transitions) != len(plan.shots) or len(plan.shots) != len(shots.shots):
        problems.append(
            f"{len(shots.shots)} shots, {len(plan.shots)} renders, "
            f"{len(plan.transitions)} transitions"
        )
    following = [*[s.duration_s for s in plan.shots[1:]], plan.end_card.duration_s]
    for i, (shot, transition) in enumerate(zip(plan.shots, plan.transitions, strict=False)):
        if transition.duration_s >= min(shot.duration_s, following[i]):
            problems.append(f"transition {i + 1} is as long as the clip it joins")
    return _rule(
        "timing",
        not problems,
        0.0 if problems else 1.0,
        f"{total:.3f}s planned",
        "; ".join(problems),
        "assembly",
        value=total,
    )


def _visible_windows(plan: RenderPlan) -> tuple[list[tuple[float, float]], float]:
    """Each shot's [start, end] on the final timeline, and where the end card starts."""
    windows, t = [], 0.0
    for shot, transition in zip(plan.shots, plan.transitions, strict=False):
        windows.append((t, t + shot.duration_s))
        t += shot.duration_s - transition.duration_s
    return windows, t


def _caption_checks(plan: RenderPlan) -> list[QACheck]:
    captions = plan.captions
    n = max(len(captions), 1)
    long = [c.text for c in captions if len(c.text) > MAX_CAPTION_CHARS or not c.text.strip()]
    checks = [
        _rule(
            "caption_length",
            not long,
            1 - len(long) / n,
            f"longest {max((len(c.text) for c in captions), default=0)} chars",
            f"captions over {MAX_CAPTION_CHARS} characters: {long}",
            "assembly",
            value=max((len(c.text) for c in captions), default=0),
        )
    ]
    windows, end_card_start = _visible_windows(plan)

    def inside(c: Caption) -> bool:
        return any(a - _EPS <= c.start_s and c.end_s <= b + _EPS for a, b in windows)

    bad = [
        f"{c.text!r} ({c.start_s:.2f}-{c.end_s:.2f}s)"
        for c in captions
        if c.end_s - c.start_s < MIN_CAPTION_S - _EPS
        or not inside(c)
        or c.end_s > end_card_start + _EPS
    ]
    bad += [
        f"{b.text!r} overlaps {a.text!r}"
        for a, b in itertools.pairwise(captions)
        if b.start_s < a.end_s - _EPS
    ]
    checks.append(
        _rule(
            "caption_timing",
            not bad,
            1 - len(bad) / n,
            f"{len(captions)} captions",
            f"captions outside their shot, over the end "
            f"card, overlapping or shorter than {MIN_CAPTION_S}s: {bad}",
            "assembly",
        )
    )
    return checks


def _assembly_checks(brief: Brief, shots: ShotList, plan: RenderPlan) -> list[QACheck]:
    checks = [_timing_check(brief, shots, plan), *_caption_checks(plan)]
    missing = [a for a in brief.aspect_ratios if a not in plan.aspect_ratios]
    checks.append(
        _rule(
            "aspect_ratios",
            not missing,
            1 - len(missing) / len(brief.aspect_ratios),
            ", ".join(plan.aspect_ratios),
            f"aspect ratios {missing} not planned",
            "assembly",
        )
    )
    return checks


def check_plan(
    brief: Brief,
    concept: Concept,
    shots: ShotList,
    audio: AudioPlan,
    plan: RenderPlan,
    *,
    max_words_per_second: float,
    voice_tail_s: float,
) -> tuple[QACheck, ...]:
    """Every plan rule, one QACheck each, in the order of the agent that fixes it."""
    return (
        copy_quality(brief, concept, shots, audio, plan),
        *_visual_checks(brief, concept, shots, plan),
        *_script_checks(brief, audio, max_words_per_second, voice_tail_s),
        *_assembly_checks(brief, shots, plan),
        caption_fit(shots, plan, concept),
    )
