"""Plan QA rules (pure): run before anything is rendered or paid for.

Each rule is one QACheck with a score, the measured figure, a violation text and the
cheapest agent that can fix it.
"""

from __future__ import annotations

from aistudio.artifacts import AudioPlan, Brief, Concept, QACheck, RedoTarget, RenderPlan, ShotList
from aistudio.tools.planner.house_rules import (
    GARMENT_FIDELITY_CLAUSE,
    HUMAN_WORDS,
    REFERENCE_FIDELITY_CLAUSE,
    RULES,
)

MAX_CAPTION_CHARS = 42  # two short lines on a phone
_FIRST_PERSON = ("i ", "i'", "my ", "me ", "i've", "i'm")


def _rule(name: str, ok: bool, score: float, measured: str, violation: str,
          redo: RedoTarget) -> QACheck:
    return QACheck(name=f"plan.{name}", score=round(max(0.0, min(1.0, score)), 3), passed=ok,
                   measured=measured, violation=None if ok else violation,
                   redo=None if ok else redo)


def _script_checks(brief: Brief, audio: AudioPlan, max_wps: float,
                   tail_s: float) -> list[QACheck]:
    if not audio.voice_enabled or not audio.script:
        ok = not brief.voice_over
        return [_rule("voice_script", ok, 1.0 if ok else 0.0, "no script",
                      "voice-over was asked for but the plan has no script", "audio")]
    span = audio.script[-1].max_end_s - audio.script[0].start_s
    wps = audio.words / max(span, 0.1)
    checks = [_rule("words_per_second", wps <= max_wps, max_wps / max(wps, 1e-6),
                    f"{wps:.2f} words/s", f"script runs at {wps:.2f} words/s "
                    f"(limit {max_wps})", "audio")]
    tight = [f"line {i + 1} ({len(line.text.split())} words in "
             f"{line.max_end_s - line.start_s:.1f}s)"
             for i, line in enumerate(audio.script)
             if len(line.text.split()) > max_wps * (line.max_end_s - line.start_s) + 0.5]
    checks.append(_rule("line_fit", not tight, 1 - len(tight) / len(audio.script),
                        f"{len(tight)} tight lines", "lines too long for their slot at "
                        f"{max_wps} words/s: " + ", ".join(tight), "audio"))
    end = audio.script[-1].max_end_s
    limit = brief.duration_s - tail_s
    checks.append(_rule("voice_tail", end <= limit + 1e-6, 1.0 if end <= limit else 0.0,
                        f"voice may run to {end:.2f}s", f"voice-over may run to {end:.2f}s, "
                        f"past {limit:.2f}s", "audio"))
    if brief.kind == "ugc":
        text = " ".join(line.text.lower() for line in audio.script) + " "
        first_person = any(marker in text for marker in _FIRST_PERSON)
        checks.append(_rule("first_person", first_person, float(first_person),
                            "first person" if first_person else "third person",
                            "a UGC script must be spoken in the first person", "audio"))
    return checks


def _visual_checks(brief: Brief, concept: Concept, shots: ShotList) -> list[QACheck]:
    rules = RULES[brief.kind]
    low, high = rules.shots
    count = len(shots.shots)
    checks = [_rule("shot_count", low <= count <= high, 1.0 if low <= count <= high else 0.0,
                    f"{count} shots", f"{count} shots; a {brief.kind} takes {low}-{high}",
                    "visual")]
    missing = [s.index + 1 for s in shots.shots
               if REFERENCE_FIDELITY_CLAUSE not in s.provider_prompt]
    checks.append(_rule("fidelity_clause", not missing, 1 - len(missing) / max(count, 1),
                        f"{count - len(missing)}/{count} prompts",
                        f"shots {missing} lack the reference-fidelity clause", "visual"))
    if not rules.humans_allowed:
        hits = sorted({m.group(0).lower() for s in shots.shots
                       for m in HUMAN_WORDS.finditer(f"{s.description} {s.provider_prompt}")})
        checks.append(_rule("no_humans", not hits, 0.0 if hits else 1.0,
                            f"human words: {', '.join(hits) or 'none'}",
                            f"humans-in-promo: prompts mention {', '.join(hits)}", "visual"))
    if brief.kind == "fashion":
        missing = [s.index + 1 for s in shots.shots
                   if GARMENT_FIDELITY_CLAUSE not in s.provider_prompt]
        checks.append(_rule("garment_clause", not missing, 1 - len(missing) / max(count, 1),
                            f"{count - len(missing)}/{count} prompts",
                            f"shots {missing} lack the garment-detail clause", "visual"))
    if brief.kind == "ugc":
        steady = [s.index + 1 for s in shots.shots if s.camera_move != "handheld"]
        checks.append(_rule("handheld", not steady, 1 - len(steady) / max(count, 1),
                            f"{count - len(steady)}/{count} hand-held",
                            f"UGC shots {steady} are not hand-held", "visual"))
    return checks


def _assembly_checks(brief: Brief, shots: ShotList, plan: RenderPlan) -> list[QACheck]:
    total = (sum(s.duration_s for s in plan.shots) + plan.end_card.duration_s
             - sum(t.duration_s for t in plan.transitions))
    drift = abs(total - brief.duration_s)
    checks = [_rule("timing", drift < 1e-3 and len(plan.transitions) == len(plan.shots)
                    and len(plan.shots) == len(shots.shots), 1 - drift,
                    f"{total:.3f}s planned", f"shots, transitions and end card add up to "
                    f"{total:.3f}s, not {brief.duration_s:.3f}s", "assembly")]
    long = [c.text for c in plan.captions if len(c.text) > MAX_CAPTION_CHARS]
    bad_time = [c.text for c in plan.captions
                if c.start_s < 0 or c.end_s <= c.start_s + 0.5
                or c.end_s > brief.duration_s - plan.end_card.duration_s + 1e-6]
    overlapping = [b.text for a, b in zip(plan.captions, plan.captions[1:], strict=False)
                   if b.start_s < a.end_s]
    problems = long + bad_time + overlapping
    checks.append(_rule("captions", not problems, 1 - len(problems) / max(len(plan.captions), 1),
                        f"{len(plan.captions)} captions", "caption problems (too long, badly "
                        f"timed or overlapping): {problems}", "assembly"))
    missing = [a for a in brief.aspect_ratios if a not in plan.aspect_ratios]
    checks.append(_rule("aspect_ratios", not missing, 0.0 if missing else 1.0,
                        ", ".join(plan.aspect_ratios), f"aspect ratios {missing} not planned",
                        "assembly"))
    return checks


def check_plan(brief: Brief, concept: Concept, shots: ShotList, audio: AudioPlan,
               plan: RenderPlan, *, max_words_per_second: float,
               voice_tail_s: float) -> tuple[QACheck, ...]:
    return tuple(
        _visual_checks(brief, concept, shots)
        + _script_checks(brief, audio, max_words_per_second, voice_tail_s)
        + _assembly_checks(brief, shots, plan)
    )
