"""The offline brief agent's grammar: plain-language edits of a brief, parsed without a model.

A message is cut into clauses (at commas, full stops, semicolons, new lines, and at "and" /
"then" / "also" / "plus" / "but" when a new instruction follows; `clauses.py`). Each clause
is read by the rules below, in this order; a rule consumes the words it matched, and
whatever is left that is not filler ("please", "make it", "the", ...) is reported back as
not understood.

* storyboard → preview_plan: "show me the storyboard", "preview", "what will it look like"
* render → render: "render it", "go ahead", "make the video", "generate it"
* price → estimate_cost: "how much?", "what will it cost", "quote"
* status → job_status: "is it done?", "status", "how's the render"
* budget → max_cost_usd: "budget $20", "keep it under 5 dollars"
* voice-over → voice_over: "add a voice-over", "with narration", "no voice-over", "voice-
  over off"
* clear → clear a list: "forget the script notes", "clear the must-shows"
* script note → add_script_notes: "mention free shipping", "say 'now in gold'", "talk about
  the vitamin C"
* call to action → call_to_action: "call to action: Shop the drop", "end with 'Order
  today'", "CTA is Book now"
* must avoid → add_must_avoid: "avoid people", "don't show the price tag", "no hands",
  "without pets"
* must show → add_must_show: "show the gold cap", "feature the label", "make sure we see the
  pump"
* product → product_name: "it's called AURUM Eau de Parfum", "the product is a travel mug"
* facts → add_product_facts: "it has vitamin C", "made from recycled wool", "it comes with a
  gift box"
* audience → audience: "for busy parents", "aimed at runners", "audience: first-time buyers"
* model → video_model: "use kling", "use the veo model"
* kind → kind: "make it UGC", "creator-style", "switch to fashion", "a promo"
* duration → duration_s: "15 seconds", "make it 20s", "half a minute", "shorter", "a bit
  longer"
* aspect → aspect_ratios: "square", "vertical", "16:9", "for YouTube", "for Instagram",
  "also square"
* vibe → vibe: "warmer", "more luxurious", "playful", "vibe: golden hour"

Aspect ratios: square / 1:1 / Instagram → 1:1; vertical / portrait / 9:16 / TikTok / Reels /
Stories / Shorts → 9:16; landscape / wide / 16:9 / YouTube → 16:9; "all formats" → all
three. The ratios named in one message replace the list, unless "also" / "add" / "plus"
comes first, which adds them. "Shorter" / "longer" step along 6, 8, 10, 12, 15, 20, 30, 45,
60 s. A photo URL (https://...) or an attached photo is handed to analyze_reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from aistudio.artifacts import AspectRatio
from aistudio.brief_draft import BriefDraft, BriefPatch
from aistudio.tools.chat.clauses import Clause, clauses, payload

Action = Literal["preview_plan", "estimate_cost", "render", "job_status"]
DURATION_LADDER = (6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 30.0, 45.0, 60.0)
ATTACHMENT = re.compile(r"\[attached photo: (photo-\d+)[^\]]*\]", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_NUMBER_WORDS = {
    "six": 6,
    "eight": 8,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "sixty": 60,
}
_VIBES: tuple[tuple[str, str], ...] = (
    (r"warm(?:er|th)?|golden", "warm"),
    (r"luxur(?:ious|y)|luxe|premium|upscale|classy", "luxurious"),
    (r"elegant|refined|sophisticated", "elegant"),
    (r"playful|fun(?:ny|nier)?|cheerful|quirky", "playful"),
    (r"bold(?:er)?|punch(?:y|ier)|energetic|dynamic|upbeat|exciting", "bold"),
    (r"calm(?:er)?|relaxed|serene|soft(?:er)?|gentle|peaceful", "calm"),
    (r"minimal(?:ist)?|clean(?:er)?|simple(?:r)?", "minimal"),
    (r"fresh(?:er)?|bright(?:er)?|airy|light(?:er)?", "fresh"),
    (r"natural|authentic|real|honest|raw", "natural"),
    (r"stylish|chic|trendy|fashionable", "stylish"),
    (r"cinematic|dramatic|moody|dark(?:er)?|epic", "cinematic"),
    (r"coz(?:y|ier)|cos(?:y|ier)|homey", "cozy"),
    (r"cool(?:er)?|icy|crisp(?:er)?", "cool"),
)
_MODELS = {"kling": "kling-3.0-pro", "seedance": "seedance-2.0", "veo": "veo-3.1", "wan": "wan-2.7"}
_SHAPES: tuple[tuple[str, AspectRatio], ...] = (
    (r"square|1\s*[:x]\s*1", "1:1"),
    (r"vertical|portrait|9\s*[:x]\s*16|tall", "9:16"),
    (r"landscape|horizontal|wide(?:screen)?|16\s*[:x]\s*9", "16:9"),
)
# Platforms name a ratio too, but a shape word in the same clause wins over them.
_PLATFORM_RATIOS: tuple[tuple[str, AspectRatio], ...] = (
    (r"(?:instagram |insta )?(?:reels?|stor(?:y|ies))|tik\s?tok|shorts", "9:16"),
    (r"youtube", "16:9"),
    (r"instagram|insta|facebook|linkedin", "1:1"),
)
_PLATFORMS = r"instagram|insta|youtube|tik\s?tok|reels?|stor(?:y|ies)|shorts|facebook|linkedin"


@dataclass
class ParsedTurn:
    """What one user message asks for."""

    patch: dict[str, Any] = field(default_factory=dict)  # BriefPatch fields
    actions: list[Action] = field(default_factory=list)
    photos: list[str] = field(default_factory=list)  # attachment names ("photo-1")
    urls: list[str] = field(default_factory=list)
    understood: list[str] = field(default_factory=list)  # what each rule did, in words
    not_understood: list[str] = field(default_factory=list)

    def brief_patch(self) -> BriefPatch:
        return BriefPatch.model_validate(self.patch)

    def add(self, key: str, *items: str) -> None:
        existing: list[str] = self.patch.setdefault(key, [])
        existing.extend(i for i in items if i and i not in existing)

    def act(self, action: Action) -> None:
        if action not in self.actions:
            self.actions.append(action)


def _step(current: float, longer: bool) -> float:
    if longer:
        return next((d for d in DURATION_LADDER if d > current + 1e-9), DURATION_LADDER[-1])
    return next((d for d in reversed(DURATION_LADDER) if d < current - 1e-9), DURATION_LADDER[0])


def _actions(c: Clause, turn: ParsedTurn) -> None:
    preview = (
        r"\b(?:show|see|let me see|give|draw|send)\b(?:\s+(?:me|us))?(?:\s+\w+){0,2}?\s+"
        r"(?:storyboard|preview|plan|shot ?list|shots)\b|^(?:preview|storyboard)\b|"
        r"\bwhat (?:will|would) it look like\b"
    )
    if c.take(preview):
        turn.act("preview_plan")
        turn.understood.append("show the storyboard")
    if c.take(r"\b(?:how much|what (?:will|would|does) it cost|price it|quote|estimate)\b[^,]*"):
        turn.act("estimate_cost")
        turn.understood.append("estimate the cost")
    render = (
        r"\b(?:render|produce|generate)\b(?:\s+(?:it|the video|the ad|this|that|now))*|"
        r"\bgo ahead\b|\bship it\b|\bmake the video\b"
    )
    if c.take(render):
        turn.act("render")
        turn.understood.append("render the video")
    status = (
        r"\b(?:status|is it (?:done|ready|finished)|how'?s the (?:render|job|video)|progress)\b"
    )
    if c.take(status):
        turn.act("job_status")
        turn.understood.append("check the job")


def _settings(c: Clause, turn: ParsedTurn) -> None:
    money = c.take(
        r"\b(?:budget|cap|max(?:imum)?|under|below|no more than|at most|spend)\b[^$\d]{0,20}"
        r"(?:\$\s*(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*(?:\$|usd|dollars?|bucks))"
    )
    if money:
        turn.patch["max_cost_usd"] = float(money.group(1) or money.group(2))
        turn.understood.append(f"budget ${turn.patch['max_cost_usd']:g}")
    off = (
        r"\b(?:no|without|remove|drop|turn off|mute|kill|lose|disable|skip)\s+(?:the\s+|a\s+)?"
        r"(?:voice[- ]?over|voice|narration|narrator|vo)\b|\b(?:voice[- ]?over|narration)\s+off\b"
    )
    on = (
        r"\b(?:add|with|turn on|include|enable|want|use|needs?|put)\s+(?:a\s+|the\s+|some\s+)?"
        r"(?:voice[- ]?over|narration|narrator|vo)\b|\b(?:voice[- ]?over|narration)(?:\s+on)?\b"
    )
    if c.take(off):
        turn.patch["voice_over"] = False
        turn.understood.append("voice-over off")
    elif c.take(on):
        turn.patch["voice_over"] = True
        turn.understood.append("voice-over on")
    lists = {"script note": "script_notes", "note": "script_notes", "must[- ]show": "must_show"}
    lists |= {"must[- ]avoid": "must_avoid", "fact": "product_facts", "avoid": "must_avoid"}
    for words, name in lists.items():
        if c.take(rf"\b(?:clear|forget|remove|drop)\s+(?:the\s+|all\s+)?(?:{words})s?\b"):
            turn.add("clear", name)
            turn.understood.append(f"clear {name.replace('_', ' ')}")


def _payloads(c: Clause, turn: ParsedTurn) -> None:
    said = c.take(
        r"\b(?:that\s+|which\s+|should\s+|to\s+)*(?:mentions?|mentioning|say|says|saying|"
        r"talks? about|tell (?:them|people|viewers) about|call out|highlight)\s+(.+)$"
    )
    if said and (note := payload(said.group(1))):
        turn.add("add_script_notes", note)
        turn.understood.append(f"mention {note}")
    cta = c.take(
        r"\b(?:call[- ]to[- ]action|cta|end card|end with|ending with|finish with|close with|"
        r"sign off with)\b\s*(?:is|should be|should say|says|to|=|:)?\s*(.+)$"
    )
    if cta and (text := payload(cta.group(1))):
        turn.patch["call_to_action"] = text[:1].upper() + text[1:]
        turn.understood.append(f"call to action “{turn.patch['call_to_action']}”")
    avoid = c.take(
        r"\b(?:avoid|don'?t show|do not show|never show|keep out|exclude|leave out|no|without)"
        r"\s+(?!more than\b)(.+)$"
    )
    if avoid and (text := payload(avoid.group(1))):
        turn.add("add_must_avoid", text)
        turn.understood.append(f"avoid {text}")
    show = c.take(
        r"(?:^|\b(?:and|to)\s+)(?:show(?:ing)?|feature|include|make sure (?:we|you|people) see|"
        r"must show|focus on|close-?ups? (?:of|on))\s+(?!me\b)(.+)$"
    )
    if show and (text := payload(show.group(1))):
        turn.add("add_must_show", text)
        turn.understood.append(f"show {text}")
    name = c.take(
        r"\b(?:it'?s called|it is called|the product is called|the product is|product name is|"
        r"product:|called|named|brand is)\s+(.+)$"
    )
    if name and (text := payload(name.group(1))):
        turn.patch["product_name"] = text[:120]
        turn.understood.append(f"product “{text}”")
    fact = c.take(
        r"\b(?:it (?:has|features|contains|comes with|is made (?:of|from|with))|made (?:of|from|"
        r"with)|comes with|contains|facts?:)\s+(.+)$"
    )
    if fact and (text := payload(re.sub(r"^it\s+", "", fact.group(0), flags=re.I))):
        turn.add("add_product_facts", text)
        turn.understood.append(f"fact “{text}”")
    audience = c.take(
        rf"\b(?:aimed at|targeting|target audience(?: is)?|audience(?: is)?:?|made for|"
        rf"speak(?:ing)? to|for)\s+(?!(?:{_PLATFORMS})\b|\d|(?:a|the)\s+(?:{_PLATFORMS})\b)"
        r"((?:[a-z-]+\s+){0,4}(?:[a-z-]+(?:ers|ists|ents|ies|ees|ors|ans)|people|men|women|"
        r"kids|families|parents|mums|moms|dads|teens|students|athletes|professionals|"
        r"commuters|travellers|travelers|gamers|couples|lovers|fans|buyers|owners|"
        r"shoppers|customers|everyone)(?:\s+who\s+.+)?)\s*$"
    )
    if audience and (text := payload(audience.group(1))):
        turn.patch["audience"] = text
        turn.understood.append(f"audience “{text}”")


def _shapes(c: Clause, turn: ParsedTurn, current: BriefDraft) -> None:
    found: list[AspectRatio] = []
    if c.take(r"\b(?:all|every|each)\s+(?:the\s+)?(?:formats?|aspects?(?: ratios?)?|sizes?)\b"):
        found.extend(("9:16", "1:1", "16:9"))
    for pattern, aspect in _SHAPES:
        while c.take(rf"\b(?:{pattern})\b"):
            found.append(aspect)
    platforms: list[AspectRatio] = []
    for pattern, aspect in _PLATFORM_RATIOS:
        while c.take(rf"\b(?:{pattern})\b"):
            platforms.append(aspect)
    found = found or platforms
    if not found:
        return
    previous: list[AspectRatio] = turn.patch.get("aspect_ratios") or (
        list(current.aspect_ratios) if c.additive else []
    )
    turn.patch["aspect_ratios"] = list(dict.fromkeys([*previous, *found]))
    turn.understood.append("aspect " + ", ".join(turn.patch["aspect_ratios"]))


def _scalars(c: Clause, turn: ParsedTurn, current: BriefDraft) -> None:
    model = c.take(r"\buse\s+(?:the\s+)?(kling|seedance|veo|wan)\b(?:\s+model)?")
    if model:
        turn.patch["video_model"] = _MODELS[model.group(1).lower()]
        turn.understood.append(f"model {turn.patch['video_model']}")
    kinds = (
        (r"ugc|user[- ]generated|creator[- ]style|testimonial|selfie[- ]style", "ugc"),
        (r"fashion|apparel|lookbook", "fashion"),
        (r"promo|commercial|product ad|packshot", "promo"),
    )
    for pattern, kind in kinds:
        if c.take(rf"\b(?:{pattern})\b(?:\s+(?:video|film|clip|ad|one))?"):
            turn.patch["kind"] = kind
            turn.understood.append(f"kind {kind}")
            break
    duration = _duration(c, turn.patch.get("duration_s", current.duration_s))
    if duration is not None:
        turn.patch["duration_s"] = duration
        turn.understood.append(f"duration {duration:g} s")
    _shapes(c, turn, current)
    free = c.take(r"\b(?:vibe|tone|mood|feel|style)\s*(?:is|should be|:|=|of)?\s+(.+)$")
    vibes = [payload(free.group(1))] if free else []
    for pattern, word in _VIBES:
        if c.take(rf"\b(?:more\s+|a bit\s+|a little\s+|much\s+)?(?:{pattern})\b"):
            vibes.append(word)
    if vibes:  # the vibe words of one message add up ("warmer and more playful")
        earlier = [v for v in str(turn.patch.get("vibe", "")).split(", ") if v]
        turn.patch["vibe"] = ", ".join(dict.fromkeys([*earlier, *vibes]))[:60]
        turn.understood.append(f"vibe {turn.patch['vibe']}")


def _duration(c: Clause, current: float) -> float | None:
    words = "|".join(_NUMBER_WORDS)
    absolute = c.take(
        rf"\b(\d+(?:\.\d+)?|{words})\s*-?\s*(s|secs?|seconds?|mins?|minutes?)\b(?:\s+long)?"
    )
    if absolute:
        raw = absolute.group(1).lower()
        value = float(_NUMBER_WORDS.get(raw, 0) or raw)
        return value * 60 if absolute.group(2).lower().startswith("m") else value
    if c.take(r"\bhalf a minute\b"):
        return 30.0
    if c.take(r"\b(?:a|one) minute\b"):
        return 60.0
    relative = c.take(
        r"\b(?:a\s+(?:bit|little)\s+|much\s+)?(shorter|quicker|snappier|tighter|longer)\b"
    )
    if relative:
        return _step(current, longer=relative.group(1).lower() == "longer")
    return None


def parse_message(text: str, current: BriefDraft) -> ParsedTurn:
    """Read one user message against the current draft (for "shorter", "also square")."""
    turn = ParsedTurn()
    turn.photos = list(dict.fromkeys(ATTACHMENT.findall(text)))
    text = ATTACHMENT.sub(" ", text)
    turn.urls = [u.rstrip(".,;:!?)") for u in _URL.findall(text)]
    text = _URL.sub(" ", text)
    if turn.photos or turn.urls:
        turn.understood.append("read the product photo")
    for raw in clauses(text):
        clause = Clause(raw)
        _actions(clause, turn)
        _settings(clause, turn)
        _payloads(clause, turn)
        _scalars(clause, turn, current)
        left = clause.leftover()
        if left and not re.fullmatch(
            r"(?:here'?s|this is|use)?\s*(?:the|my|a)?\s*photo", left, re.I
        ):
            turn.not_understood.append(left)
    return turn
