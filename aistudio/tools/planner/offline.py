"""The deterministic offline planner: the five agents without an LLM.

It returns the same typed artifacts an LLM agent returns. Same (brief, product, seed) ->
same plan: every random choice comes from a `random.Random` seeded with a SHA-256 of the
brief text, kind and seed (never `hash()`, which changes between processes). On a retry
it turns the knobs the QA violations name (`feedback.Retry`), and nothing else.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from aistudio.artifacts import (
    AudioPlan,
    Brief,
    CameraMove,
    Caption,
    Concept,
    EndCard,
    Framing,
    JobKind,
    MusicMood,
    ProductProfile,
    QAReport,
    RenderPlan,
    Shot,
    ShotList,
    ShotRender,
    Transition,
    Violation,
    VoiceLine,
)
from aistudio.tools.planner import copy, variety
from aistudio.tools.planner.brief_text import audience, parse_brief
from aistudio.tools.planner.feedback import Retry, shot_notes
from aistudio.tools.planner.house_rules import (
    BPM_BY_MOOD,
    FOCUS,
    MAX_CAPTION_CHARS,
    MAX_PRODUCT_SCALE,
    MIN_CAPTION_S,
    RULES,
    SCALE_BY_FRAMING,
    Timeline,
    backdrop_colours,
    plan_timeline,
    shot_count_bounds,
    vary_backdrop,
    vibe_to_look,
)
from aistudio.tools.planner.rules import check_plan
from aistudio.tools.render.layouts import choose_layout

PLANNER_NAME = "offline-planner-v2"
PANS: tuple[CameraMove, ...] = ("pan_left", "pan_right")
_PLANNED_RATE = 0.85  # plan below the QA limit: a real voice rarely speaks at the planned rate


def _no_repeats(items: Sequence[CameraMove], count: int, rng: random.Random) -> list[CameraMove]:
    """`count` moves from `items`, shuffled, never the same move twice in a row (if avoidable)."""
    pool = list(items)
    rng.shuffle(pool)
    out: list[CameraMove] = []
    for i in range(count):
        move = pool[i % len(pool)]
        if out and move == out[-1] and len(pool) > 1:
            move = pool[(i + 1) % len(pool)]
        out.append(move)
    return out


def _framings(kind: JobKind, count: int, rng: random.Random) -> list[Framing]:
    """Open wide or medium, then details (never the same framing twice in a row), then
    close on the hero framing: one the film has not used yet where the kind has one (a
    phone film of one photo frames a repeated framing the same way twice)."""
    rules = RULES[kind]
    framings: list[Framing] = [rng.choice(rules.opening_framings)]
    details = list(rules.detail_framings)
    for k in range(count - 2):
        rng.shuffle(details)
        unused = [d for d in details if d not in framings]
        if k == count - 3:  # the last detail leaves the closing shot a framing of its own
            unused = [d for d in unused if d not in rules.closing_framings] or unused
        framings.append(unused[0] if unused else next(d for d in details if d != framings[-1]))
    closing = rng.choice(rules.closing_framings)
    fresh = [f for f in rules.closing_framings if f not in framings]
    framings.append(closing if closing not in framings or not fresh else fresh[0])
    return framings


class OfflinePlanner:
    """The Concept, Visual, Audio, Assembly and plan-QA agents, as deterministic code."""

    name = PLANNER_NAME

    def __init__(
        self, max_words_per_second: float = 2.6, voice_tail_s: float = 0.3, fps: int = 30
    ) -> None:
        self.max_wps = max_words_per_second
        self.voice_tail_s = voice_tail_s
        self.fps = fps

    def _bpm(self, brief: Brief, mood: MusicMood) -> int:
        # The audio agent's first draw: the visual agent cuts to the tempo it will choose.
        return self._rng(brief, "audio").randint(*BPM_BY_MOOD[mood])

    def _on_the_beat(self, brief: Brief, concept: Concept, timeline: Timeline) -> Timeline:
        bpm = self._bpm(brief, concept.music_mood)
        return variety.on_the_beat(timeline, bpm, self.fps, brief.duration_s)

    @staticmethod
    def _rng(brief: Brief, salt: str) -> random.Random:
        key = f"{brief.text}\x1f{brief.kind}\x1f{brief.seed}\x1f{salt}".encode()
        return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))

    def _style(self, brief: Brief) -> str:
        return self._rng(brief, "style").choice(RULES[brief.kind].style_words)

    def _timeline(self, brief: Brief, shots: ShotList) -> Timeline:
        # Fit the shot list to the film: an agent's lengths that add up come back as they
        # are; others are rescaled rather than trusted.
        return plan_timeline(
            brief.kind, brief.duration_s, [s.duration_s for s in shots.shots], self.fps
        )

    async def concept(
        self, brief: Brief, product: ProductProfile, feedback: Sequence[Violation] = ()
    ) -> Concept:
        rules = RULES[brief.kind]
        parsed = parse_brief(brief.text, brief.kind, product.detected_text)
        rng = self._rng(brief, "concept")
        # The house look holds unless the user asked for a vibe: "warm amber" in a perfume
        # brief describes the scent, not the film.
        grade, mood = vibe_to_look(brief.vibe, (rules.grade, rules.music))
        vibe = brief.vibe or rules.vibe
        style = self._style(brief)
        points = parsed.selling_points
        return Concept(
            title=copy.title(parsed.product_name, style, brief.kind),
            logline=copy.logline(
                parsed.product_name, style, vibe, brief.kind, points, parsed.audience
            ),
            vibe=vibe,
            grade=grade,
            tagline=copy.tagline(
                points, brief.kind, rng, copy.caption_fitter(brief.aspect_ratios, 1.0)
            ),
            call_to_action=parsed.call_to_action,
            product_name=parsed.product_name,
            selling_points=points,
            music_mood=mood,
            humans_allowed=rules.humans_allowed,
        )

    async def visual(
        self,
        brief: Brief,
        product: ProductProfile,
        concept: Concept,
        feedback: Sequence[Violation] = (),
    ) -> ShotList:
        rules = RULES[brief.kind]
        retry = Retry.of(feedback)
        # One random stream per decision, so feedback that changes one decision (moves,
        # caption length) leaves every other decision exactly as it was.
        timing_rng, moves_rng, framing_rng, captions_rng, focus_rng = (
            self._rng(brief, f"visual.{part}")
            for part in ("timing", "moves", "framing", "captions", "focus")
        )
        count = timing_rng.randint(*shot_count_bounds(brief.kind, brief.duration_s))
        weights = [timing_rng.uniform(0.85, 1.2) for _ in range(count)]
        timeline = self._on_the_beat(
            brief, concept, plan_timeline(brief.kind, brief.duration_s, weights, self.fps)
        )
        # After a people-in-promo report nothing from the brief goes into a promo prompt.
        strict = brief.kind == "promo" and retry.product_only
        moves: Sequence[CameraMove] = rules.moves
        if retry.steady_camera and brief.kind != "ugc":
            moves = ("push_in", "parallax")  # moves that keep the whole product in frame
        move_list = _no_repeats(moves, count, moves_rng)
        framings = _framings(brief.kind, count, framing_rng)
        pan = None if retry.steady_camera else variety.label_pan_shot(brief.kind, framings, product)
        if pan is not None:  # the close-up travels along the label's text
            beside = {move_list[j] for j in (pan - 1, pan + 1) if 0 <= j < count}
            move_list[pan] = moves_rng.choice([m for m in PANS if m not in beside] or PANS)
        caption_limit = MAX_CAPTION_CHARS - 6 * retry.shorter_captions
        points = concept.selling_points
        captions = copy.captions(
            concept.product_name,
            points,
            audience(brief.text),
            brief.kind,
            count,
            captions_rng,
            copy.caption_fitter(brief.aspect_ratios, 1.0, caption_limit),
        )
        style = self._style(brief)
        setting = copy.ugc_setting(" ".join((concept.product_name, *points)))
        used_focus: set[str] = set()
        shots = []
        for i in range(count):
            options = [f for f in FOCUS[brief.kind][framings[i]] if f not in used_focus]
            focus = focus_rng.choice(options or FOCUS[brief.kind][framings[i]])
            used_focus.add(focus)
            # Middle shots show the selling point their caption and voice line speak of.
            detail = points[i - 1] if 0 < i < count - 1 and i - 1 < len(points) else None
            if brief.kind == "promo" and detail:
                detail = None if strict else copy.product_only(detail)
            description, prompt = copy.shot_prompt(
                brief.kind,
                concept.product_name,
                framings[i],
                move_list[i],
                focus,
                detail,
                product.palette,
                style,
                setting,
            )
            if notes := shot_notes(feedback, i):  # a shot revise: the person's words, verbatim
                prompt = " ".join((prompt.rstrip(), *(f"{n.rstrip('.')}." for n in notes)))
            shots.append(
                Shot(
                    index=i,
                    duration_s=timeline.shot_s[i],
                    framing=framings[i],
                    camera_move=move_list[i],
                    description=description,
                    provider_prompt=prompt,
                    caption=captions[i],
                )
            )
        # A cut-out QA refused is not offered again: the film shows the whole photo.
        layout = choose_layout(brief.kind, product, cutout_refused=retry.whole_photo)
        return ShotList(shots=tuple(shots), layout=layout)

    async def audio(
        self, brief: Brief, concept: Concept, shots: ShotList, feedback: Sequence[Violation] = ()
    ) -> AudioPlan:
        rules = RULES[brief.kind]
        rng = self._rng(brief, "audio")
        plan = AudioPlan(
            voice_enabled=False,
            music_mood=concept.music_mood,
            music_bpm=rng.randint(*BPM_BY_MOOD[concept.music_mood]),
            duck_db=rules.duck_db,
        )
        if not brief.voice_over or not shots.shots:
            return plan
        timeline = self._timeline(brief, shots)
        # Each report that the voice ran long or fast plans it 20 % slower than before.
        rate = self.max_wps * _PLANNED_RATE * 0.8 ** Retry.of(feedback).slower_voice
        count = len(shots.shots)
        starts = [timeline.settled(i)[0] + (0.3 if i == 0 else 0.12) for i in range(count)]
        # The last line, the call to action, may run over the end card but must leave the
        # voice tail free before the film ends.
        last_end = brief.duration_s - self.voice_tail_s - 0.2
        ends = [starts[i + 1] - 0.12 for i in range(count - 1)] + [last_end]
        budgets = [
            max(1, int(rate * (end - start) + 1e-9))
            for start, end in zip(starts, ends, strict=True)
        ]
        # A creator does not announce a target group; brand voices may.
        who = audience(brief.text) if brief.kind != "ugc" else None
        texts = copy.voice_lines(
            brief.kind,
            concept.product_name,
            concept.selling_points,
            concept.call_to_action,
            budgets,
            rng,
            who,
            # A voice reported long says no more than each line's own point.
            terse=Retry.of(feedback).slower_voice,
        )
        script = tuple(
            VoiceLine(
                shot_index=shot.index, text=text, start_s=round(start, 3), max_end_s=round(end, 3)
            )
            for shot, text, start, end in zip(shots.shots, texts, starts, ends, strict=True)
        )
        return plan.model_copy(update={"voice_enabled": True, "script": script})

    async def assembly(
        self,
        brief: Brief,
        product: ProductProfile,
        concept: Concept,
        shots: ShotList,
        audio: AudioPlan,
        feedback: Sequence[Violation] = (),
    ) -> RenderPlan:
        rules = RULES[brief.kind]
        rng = self._rng(brief, "assembly")
        timeline = self._timeline(brief, shots)
        retry = Retry.of(feedback)
        caption_scale = min(1.6, 1.2**retry.larger_captions)
        # Bigger type wraps sooner: captions are measured again at the planned size.
        caption_limit = MAX_CAPTION_CHARS - 6 * retry.shorter_captions
        fits = copy.caption_fitter(brief.aspect_ratios, caption_scale, caption_limit)
        enlarge = retry.larger_product
        backdrop = backdrop_colours(product.palette, concept.grade, rng)
        dominant = product.palette[0] if product.palette else "#808080"
        # Sets and sizes vary shot to shot; a shot_variety report reshuffles and spreads
        # them further (variety.py).
        styles = variety.backdrop_styles(
            len(shots.shots), self._rng(brief, f"assembly.sets.{retry.more_variety}")
        )
        framings = [s.framing for s in shots.shots]
        sweep = variety.sweep_shot(framings)
        hook = variety.hook_card(concept.tagline, fits, timeline.settled(0)[1])
        renders, captions = [], []
        for i, shot in enumerate(shots.shots):
            boosts = enlarge.get(i, 0) + enlarge.get(-1, 0)
            scale = SCALE_BY_FRAMING[shot.framing] * rng.uniform(0.97, 1.03) * 1.15**boosts
            repeats = framings[:i].count(shot.framing)
            scale *= variety.scale_spread(shot.framing, retry.more_variety, repeats)
            offset = (round(rng.uniform(-0.04, 0.04), 3), round(rng.uniform(-0.03, 0.02), 3))
            colours = vary_backdrop(backdrop, dominant, rng)
            if styles[i] == "duotone":
                colours = variety.duotone_colours(colours, product.palette)
            focus = (
                None
                if boosts
                else variety.detail_focus(
                    shot.framing, shot.camera_move, product, beside_macro="macro" in framings
                )
            )
            pans_label = shot.framing == "close" and shot.camera_move in PANS
            renders.append(
                ShotRender(
                    shot_index=shot.index,
                    duration_s=timeline.shot_s[i],
                    camera_move=shot.camera_move,
                    framing=shot.framing,
                    product_scale=round(min(MAX_PRODUCT_SCALE, scale), 3),
                    product_offset=(0.0, 0.0) if boosts else offset,  # centred when in doubt
                    backdrop=colours,
                    light_angle_deg=round(rng.uniform(20.0, 65.0), 1),
                    prompt=shot.provider_prompt,
                    seed=rng.randrange(1 << 31),
                    backdrop_style=styles[i],
                    focus=focus,
                    travel=variety.TRAVEL if focus and pans_label else 1.0,
                    light_sweep=i == sweep and brief.kind != "ugc",
                )
            )
            text = copy.fit_text(shot.caption, fits) if shot.caption.strip() else None
            if text:  # a caption that no longer fits at this size is rewritten shorter
                start, end = timeline.settled(i)
                start = start + (0.25 if i == 0 else 0.1)
                if hook is not None:  # the first caption waits for the hook card
                    start = max(start, hook.end_s + 0.1)
                if end - 0.1 - start >= MIN_CAPTION_S:
                    captions.append(
                        Caption(start_s=round(start, 3), end_s=round(end - 0.1, 3), text=text)
                    )
        transitions = tuple(
            Transition(
                kind=rng.choice(
                    rules.end_transitions if i == len(shots.shots) - 1 else rules.transitions
                ),
                duration_s=timeline.transition_s[i],
            )
            for i in range(len(shots.shots))
        )
        return RenderPlan(
            shots=tuple(renders),
            transitions=transitions,
            captions=tuple(captions),
            end_card=EndCard(
                headline=copy.end_card_headline(concept.product_name, brief.aspect_ratios),
                call_to_action=concept.call_to_action,  # verbatim: the brief's own words
                duration_s=timeline.end_card_s,
                backdrop=backdrop,
            ),
            aspect_ratios=tuple(dict.fromkeys(brief.aspect_ratios)),
            grade=concept.grade,
            fps=self.fps,
            duration_s=brief.duration_s,
            caption_scale=round(caption_scale, 3),
            seed=brief.seed,
            kind=brief.kind,
            layout=shots.layout or choose_layout(brief.kind, product),
            hook=hook,
        )

    async def review(
        self,
        brief: Brief,
        concept: Concept,
        shots: ShotList,
        audio: AudioPlan,
        plan: RenderPlan,
        attempt: int,
    ) -> QAReport:
        checks = check_plan(
            brief,
            concept,
            shots,
            audio,
            plan,
            max_words_per_second=self.max_wps,
            voice_tail_s=self.voice_tail_s,
        )
        return QAReport(stage="plan", checks=checks, attempt=attempt)
