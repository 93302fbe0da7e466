"""The deterministic offline planner: the five agents without an LLM.

Same typed artifacts an LLM agent returns; deterministic for (brief, product, seed); reads
the QA feedback tokens on a retry and fixes what they name.
"""

from __future__ import annotations

import colorsys
import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from aistudio.artifacts import (
    AudioPlan,
    Brief,
    Caption,
    Concept,
    EndCard,
    Framing,
    Grade,
    ProductProfile,
    QAReport,
    RenderPlan,
    Shot,
    ShotList,
    ShotRender,
    Transition,
    VoiceLine,
)
from aistudio.tools.planner import copy
from aistudio.tools.planner.brief_text import ParsedBrief, parse_brief
from aistudio.tools.planner.feedback import (
    FEEDBACK_CAPTION_ILLEGIBLE,
    FEEDBACK_FIDELITY_LOW,
    FEEDBACK_VOICE_TOO_LONG,
)
from aistudio.tools.planner.house_rules import RULES, vibe_to_grade
from aistudio.tools.planner.rules import check_plan

PLANNER_VERSION = "offline-planner-v1"
_SCALE_BY_FRAMING: dict[Framing, float] = {"wide": 0.46, "medium": 0.56, "close": 0.68,
                                           "macro": 0.78}
_FOCUS: dict[str, tuple[str, ...]] = {
    "promo": ("the full silhouette and label", "the label lettering in crisp detail",
              "the finish catching the light", "material and texture up close",
              "the hero composition"),
    "fashion": ("the full garment and its cut", "fabric texture and stitching",
                "the logo and trims", "how the garment moves", "the finished look"),
    "ugc": ("the product on a bathroom shelf", "the label, shown to camera",
            "the texture, up close", "the everyday routine"),
}


def _count(feedback: Sequence[str], token: str) -> int:
    return sum(token in item for item in feedback)


def _words_feedback(feedback: Sequence[str]) -> int:
    return sum(any(k in item for k in (FEEDBACK_VOICE_TOO_LONG, "words/s", "its slot"))
               for item in feedback)


@dataclass(frozen=True)
class Timing:
    shot_s: tuple[float, ...]
    transition_s: float
    end_card_s: float
    starts: tuple[float, ...]  # shot starts, then the end card's start

    def solo_window(self, i: int) -> tuple[float, float]:
        start = self.starts[i] + (self.transition_s if i > 0 else 0.0)
        return start, self.starts[i] + self.shot_s[i] - self.transition_s


def plan_timing(duration_s: float, shots: int, fps: int, ugc: bool) -> Timing:
    """Frame-exact durations: shots + end card - overlaps == duration."""
    total = round(duration_s * fps)
    end = round((2.0 if duration_s >= 10 else 1.5) * fps)
    fade = round((0.3 if ugc else 0.5) * fps)
    shot_frames_total = total - end + shots * fade
    base = shot_frames_total // shots
    frames = [base] * shots
    frames[-1] += shot_frames_total - base * shots
    starts, t = [], 0
    for f in frames:
        starts.append(t / fps)
        t += f - fade
    starts.append(t / fps)
    return Timing(tuple(f / fps for f in frames), fade / fps, end / fps, tuple(starts))


def _backdrop(palette: Sequence[str], grade: Grade, rng: random.Random) -> tuple[str, str]:
    r, g, b = (int(palette[0][i:i + 2], 16) / 255 for i in (1, 3, 5)) if palette else (.5,) * 3
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    h = (h + rng.uniform(-0.03, 0.03)) % 1.0
    dark_product = v < 0.35
    if grade == "luxurious":
        top, bottom = ((h, 0.25, 0.78), (h, 0.3, 0.55)) if dark_product else \
            ((h, min(s, 0.55), 0.24), (h, min(s, 0.6), 0.07))
    elif grade in ("stylish", "bold"):
        hc = (h + 0.5) % 1.0
        sat = 0.55 if grade == "bold" else 0.35
        top, bottom = ((hc, sat, 0.8), (hc, sat, 0.6)) if dark_product else \
            ((hc, sat, 0.35), (hc, sat, 0.16))
    elif grade == "fresh":
        top, bottom = (h, 0.12, 0.96), (h, 0.2, 0.82)
    else:  # natural: warm, light, low saturation
        top, bottom = (0.09, 0.18, 0.93), (0.08, 0.24, 0.78)
        if not dark_product and v > 0.8 and s < 0.2:
            top, bottom = (0.08, 0.28, 0.72), (0.07, 0.32, 0.55)

    def hexed(hsv: tuple[float, float, float]) -> str:
        rgb = colorsys.hsv_to_rgb(*hsv)
        return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)

    return hexed(top), hexed(bottom)


class OfflinePlanner:
    name = PLANNER_VERSION

    def __init__(self, max_words_per_second: float = 2.6, voice_tail_s: float = 0.3,
                 fps: int = 30) -> None:
        self.max_wps = max_words_per_second
        self.voice_tail_s = voice_tail_s
        self.fps = fps

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def _rng(brief: Brief, salt: str) -> random.Random:
        key = f"{brief.kind}|{brief.seed}|{brief.text}|{salt}".encode()
        return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))

    @staticmethod
    def _parsed(brief: Brief, product: ProductProfile | None) -> ParsedBrief:
        return parse_brief(brief.text, brief.kind, product.detected_text if product else ())

    def _timing(self, brief: Brief, shots: int) -> Timing:
        return plan_timing(brief.duration_s, shots, self.fps, brief.kind == "ugc")

    # -- the agents ----------------------------------------------------------------------
    async def concept(self, brief: Brief, product: ProductProfile,
                      feedback: Sequence[str] = ()) -> Concept:
        rules = RULES[brief.kind]
        parsed = self._parsed(brief, product)
        rng = self._rng(brief, "concept")
        # The house look holds unless the user asked for a vibe ("warm amber" in a perfume
        # brief describes the scent, not the film).
        grade, mood = vibe_to_grade(brief.vibe, (rules.grade, rules.music)) if brief.vibe \
            else (rules.grade, rules.music)
        style = rng.choice(rules.style_words)
        points = parsed.selling_points
        tagline = copy.shorten(points[0] if points else f"{style.capitalize()} by design",
                               copy.MAX_CAPTION_CHARS)
        return Concept(
            title=copy.shorten(f"{parsed.product_name}: {style} {brief.kind} film", 60),
            logline=f"A {style} {rules.vibe if not brief.vibe else brief.vibe} {brief.kind} "
                    f"film for {parsed.product_name}, built on "
                    f"{', '.join(points[:2]) or 'its design'}.",
            vibe=brief.vibe or rules.vibe,
            grade=grade,
            tagline=tagline,
            call_to_action=parsed.call_to_action,
            product_name=parsed.product_name,
            selling_points=points,
            music_mood=mood,
            humans_allowed=rules.humans_allowed,
        )

    async def visual(self, brief: Brief, product: ProductProfile, concept: Concept,
                     feedback: Sequence[str] = ()) -> ShotList:
        rules = RULES[brief.kind]
        rng = self._rng(brief, "visual")
        parsed = self._parsed(brief, product)
        if brief.kind == "promo":  # product-only: drop points that would bring people in
            parsed = ParsedBrief(parsed.product_name, tuple(copy.product_only(
                parsed.selling_points)), parsed.call_to_action, parsed.tone, parsed.url)
        low, high = rules.shots
        count = rng.randint(low, high if brief.duration_s >= 9 else low)
        timing = self._timing(brief, count)
        steady = _count(feedback, FEEDBACK_FIDELITY_LOW) > 0
        moves = list(rules.moves)
        rng.shuffle(moves)
        if steady and brief.kind != "ugc":  # fidelity trouble: keep the product centred
            moves = ["push_in", "pull_out", "push_in", "pull_out", "push_in"]
        framings: list[Framing] = [rng.choice(("wide", "medium"))]
        framings += [rng.choice(("close", "macro", "medium")) for _ in range(count - 2)]
        framings.append("medium")
        focus = list(_FOCUS[brief.kind])
        caption_limit = copy.MAX_CAPTION_CHARS - 8 * sum("caption" in f and "long" in f
                                                          for f in feedback)
        captions = copy.captions(parsed, brief.kind, count, rng, max(16, caption_limit))
        shots = []
        for i in range(count):
            move = moves[i % len(moves)]
            description, prompt = copy.shot_prompt(
                brief.kind, parsed, framings[i], move, focus[i % len(focus)],
                product.palette, rng.choice(rules.style_words))
            shots.append(Shot(index=i, duration_s=timing.shot_s[i], framing=framings[i],
                              camera_move=move, description=description,
                              provider_prompt=prompt, caption=captions[i]))
        return ShotList(shots=tuple(shots))

    async def audio(self, brief: Brief, concept: Concept, shots: ShotList,
                    feedback: Sequence[str] = ()) -> AudioPlan:
        rules = RULES[brief.kind]
        rng = self._rng(brief, "audio")
        timing = self._timing(brief, len(shots.shots))
        bpm = rng.randint(*rules.bpm)
        plan = AudioPlan(voice_enabled=False, music_mood=concept.music_mood, music_bpm=bpm,
                         duck_db=-14.0 if brief.kind == "ugc" else -10.0)
        if not brief.voice_over:
            return plan
        # Plan below the QA limit: a real voice rarely speaks exactly at the planned rate.
        rate = self.max_wps * 0.85 * (0.8 ** _words_feedback(feedback))
        count = len(shots.shots)
        starts = [timing.solo_window(i)[0] + (0.35 if i == 0 else 0.1) for i in range(count)]
        last_end = brief.duration_s - self.voice_tail_s - 0.25
        ends = [starts[i + 1] - 0.1 for i in range(count - 1)] + [last_end]
        budgets = [max(2, int(rate * (end - start))) for start, end in zip(starts, ends,
                                                                          strict=True)]
        parsed = ParsedBrief(concept.product_name, concept.selling_points,
                             concept.call_to_action, (), None)
        texts = copy.voice_lines(brief.kind, parsed, budgets, rng)
        script = tuple(
            VoiceLine(shot_index=i, text=text, start_s=round(start, 3),
                      max_end_s=round(end, 3))
            for i, (text, start, end) in enumerate(zip(texts, starts, ends, strict=True))
        )
        return plan.model_copy(update={"voice_enabled": True, "script": script})

    async def assembly(self, brief: Brief, product: ProductProfile, concept: Concept,
                       shots: ShotList, audio: AudioPlan,
                       feedback: Sequence[str] = ()) -> RenderPlan:
        rules = RULES[brief.kind]
        rng = self._rng(brief, "assembly")
        timing = self._timing(brief, len(shots.shots))
        bigger = 1.15 ** _count(feedback, FEEDBACK_FIDELITY_LOW)
        caption_scale = min(1.6, 1.2 ** _count(feedback, FEEDBACK_CAPTION_ILLEGIBLE))
        renders, captions = [], []
        for i, shot in enumerate(shots.shots):
            scale = min(0.86, _SCALE_BY_FRAMING[shot.framing] * bigger)
            offset = (0.0, 0.0) if bigger > 1 else (round(rng.uniform(-0.05, 0.05), 3),
                                                    round(rng.uniform(-0.03, 0.02), 3))
            renders.append(ShotRender(
                shot_index=shot.index, duration_s=shot.duration_s, camera_move=shot.camera_move,
                framing=shot.framing, product_scale=round(scale, 3), product_offset=offset,
                backdrop=_backdrop(product.palette, concept.grade, rng),
                light_angle_deg=round(rng.uniform(20, 60), 1), prompt=shot.provider_prompt,
                seed=rng.randrange(1 << 30),
            ))
            if shot.caption:
                start, end = timing.solo_window(i)
                captions.append(Caption(start_s=round(start + 0.2, 3), end_s=round(end - 0.15, 3),
                                        text=shot.caption))
        transitions = tuple(Transition(kind=rng.choice(rules.transitions),
                                       duration_s=timing.transition_s)
                            for _ in shots.shots)
        return RenderPlan(
            shots=tuple(renders), transitions=transitions, captions=tuple(captions),
            end_card=EndCard(headline=copy.shorten(concept.product_name, 28),
                             call_to_action=copy.shorten(concept.call_to_action, 40),
                             duration_s=timing.end_card_s,
                             backdrop=_backdrop(product.palette, concept.grade, rng)),
            aspect_ratios=brief.aspect_ratios, grade=concept.grade, fps=self.fps,
            duration_s=brief.duration_s, caption_scale=round(caption_scale, 3),
            seed=brief.seed,
        )

    async def review(self, brief: Brief, concept: Concept, shots: ShotList, audio: AudioPlan,
                     plan: RenderPlan, attempt: int) -> QAReport:
        checks = check_plan(brief, concept, shots, audio, plan,
                            max_words_per_second=self.max_wps, voice_tail_s=self.voice_tail_s)
        return QAReport(stage="plan", checks=checks, attempt=attempt)
