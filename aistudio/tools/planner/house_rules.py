"""Per-kind house rules of the original AI Studio, as data, plus the fixed prompt clauses.

Everything here is a constant or a pure lookup; the planner and the plan-QA rules both read
it, so what the planner writes and what QA demands cannot drift apart.
"""

from __future__ import annotations

import colorsys
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from aistudio.artifacts import CameraMove, Framing, Grade, JobKind, MusicMood, TransitionKind

REFERENCE_FIDELITY_CLAUSE = (
    "Keep the product exactly as in the reference image: same shape, colours, label text "
    "and proportions."
)
GARMENT_FIDELITY_CLAUSE = (
    "Garment details must match the reference: colour, fabric, cut, logo and stitching."
)
MAX_CAPTION_CHARS = 32  # two short lines on a phone at the default caption size
MIN_CAPTION_S = 0.6  # on screen for less than this, a caption cannot be read

# Wording every promo prompt carries instead of a negative prompt: it says what IS in frame,
# so it cannot itself trip the human-word rule.
PRODUCT_ONLY_CLAUSE = "Product-only scene on an empty studio set."

# Words that put a person into a product-only (promo) shot, matched on word boundaries.
# Pronouns (he, she, her) are left out: "a scent for her" names an audience, not a subject
# in frame. Hand/face/body care products ("hand cream", "face serum") and model numbers are
# products, not people, so they are excluded by look-ahead. "hand" before a hyphen
# ("hand-held") still counts: a promo prompt must not invite hands into frame.
HUMAN_WORDS = re.compile(
    r"\b(?:"
    r"person|persons|people|man|men|woman|women|girls?|boys?|child|children|kids?|bab(?:y|ies)"
    r"|human|humans|influencers?|creators?|someone|somebody|lady|ladies|guys?|actor|actress"
    r"|selfie|wearer|customers?\s+(?:holding|using|wearing)"
    r"|(?:hands?|faces?|fingers?|arms?|wrists?|lips|legs?|feet)"
    r"(?!\s+(?:cream|creams|lotion|wash|soap|serum|serums|oil|mask|masks|balm|care|mist|"
    r"scrub|sanitizer|sanitiser|gel|cleanser|towel|primer|powder|roller)\b)"
    r"|models?(?!\s+(?:number|no\.?|year|line|range|\d))"
    r")\b",
    re.IGNORECASE,
)

# Marks of a first-person script (UGC is spoken by the creator, as "I").
FIRST_PERSON_WORDS = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|my|me|mine)\b", re.IGNORECASE)


@dataclass(frozen=True)
class HouseRules:
    """How one kind of film is made."""

    kind: JobKind
    shot_range: tuple[int, int]  # inclusive, not counting the end card
    moves: tuple[CameraMove, ...]
    opening_framings: tuple[Framing, ...]
    detail_framings: tuple[Framing, ...]
    closing_framings: tuple[Framing, ...]
    grade: Grade
    music: MusicMood
    vibe: str
    humans_allowed: bool
    transitions: tuple[TransitionKind, ...]
    end_transitions: tuple[TransitionKind, ...]  # the last shot into the end card
    transition_s: float
    style_words: tuple[str, ...]
    duck_db: float
    default_cta: str


RULES: dict[JobKind, HouseRules] = {
    "promo": HouseRules(
        kind="promo",
        shot_range=(3, 5),
        moves=("push_in", "orbit", "pan_left", "pan_right", "parallax"),
        opening_framings=("wide", "medium"),
        detail_framings=("close", "macro"),
        closing_framings=("medium",),
        grade="luxurious",
        music="luxurious",
        vibe="luxurious",
        humans_allowed=False,
        transitions=("fade", "fadeblack", "fade"),
        end_transitions=("fadeblack", "fade"),
        transition_s=0.5,
        style_words=("studio-lit", "glossy", "premium", "cinematic", "elegant"),
        duck_db=-10.0,
        default_cta="Shop now",
    ),
    "fashion": HouseRules(
        kind="fashion",
        shot_range=(3, 5),
        moves=("pan_left", "pan_right", "parallax", "push_in"),
        opening_framings=("wide", "medium"),
        detail_framings=("close", "macro", "medium"),
        closing_framings=("medium", "wide"),
        grade="stylish",
        music="stylish",
        vibe="stylish",
        humans_allowed=True,
        transitions=("slideleft", "slideup", "fade"),
        end_transitions=("fade", "fadeblack"),
        transition_s=0.4,
        style_words=("editorial", "runway-lit", "crisp", "confident", "modern"),
        duck_db=-10.0,
        default_cta="Shop the collection",
    ),
    "ugc": HouseRules(
        kind="ugc",
        shot_range=(3, 4),
        moves=("handheld",),
        opening_framings=("medium", "wide"),
        detail_framings=("close", "medium", "macro"),  # a phone held close to the label
        closing_framings=("medium", "close"),
        grade="natural",
        music="warm",
        vibe="natural",
        humans_allowed=True,
        transitions=("fade",),
        end_transitions=("fade",),
        transition_s=0.25,
        style_words=("candid", "casual", "authentic", "phone-shot"),
        duck_db=-14.0,  # the voice is the heart of UGC: the music stays well underneath
        default_cta="Try it yourself",
    ),
}

# What each framing looks at, per kind (the shot descriptions pick from these).
FOCUS: dict[JobKind, dict[Framing, tuple[str, ...]]] = {
    "promo": {
        "wide": ("the full silhouette as a hero object", "the whole product on the set"),
        "medium": ("the label and silhouette, front on", "the product turning into the light"),
        "close": ("the label lettering in crisp detail", "edges and closure catching light"),
        "macro": ("material and surface texture", "the finish and its reflections"),
    },
    "fashion": {
        "wide": ("the full garment and its silhouette", "the complete look in motion"),
        "medium": ("the cut and drape of the garment", "how the garment moves"),
        "close": ("fabric texture and stitching", "collar, seams and trims"),
        "macro": ("the logo and its placement", "the weave of the fabric"),
    },
    "ugc": {
        "wide": ("the product in its everyday spot", "the setting, product in view"),
        "medium": ("the product held up to the camera", "the label shown to camera"),
        "close": ("the product in use, up close", "the texture and finish up close"),
        "macro": ("the label up close", "the texture up close"),
    },
}
# Where a creator would film this kind of product (first match wins).
UGC_SETTINGS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        (
            "serum",
            "cream",
            "lotion",
            "skin",
            "cleanser",
            "toner",
            "shampoo",
            "soap",
            "balm",
            "mask",
            "perfume",
            "parfum",
        ),
        "bathroom, by the mirror",
    ),
    (
        (
            "blender",
            "mug",
            "coffee",
            "tea",
            "kettle",
            "snack",
            "sauce",
            "juice",
            "drink",
            "chocolate",
            "kitchen",
        ),
        "kitchen counter",
    ),
    (
        (
            "lamp",
            "keyboard",
            "mouse",
            "charger",
            "speaker",
            "headphones",
            "earbuds",
            "phone",
            "laptop",
            "desk",
        ),
        "home desk",
    ),
    (
        ("jacket", "dress", "shirt", "hoodie", "sneakers", "shoes", "bag", "jeans", "coat"),
        "bedroom, by a full-length mirror",
    ),
)
# Stock captions and voice lines for when the brief has run out of selling points.
CAPTION_FILLERS: dict[JobKind, tuple[str, ...]] = {
    "promo": (
        "Crafted to impress",
        "Made to be noticed",
        "Pure presence",
        "Designed with care",
        "Every detail, considered",
    ),
    "fashion": (
        "New season",
        "Made to move",
        "Wear it your way",
        "Cut for every day",
        "Details that matter",
    ),
    "ugc": (
        "Honest review",
        "My daily routine",
        "Worth the hype?",
        "Real results",
        "Not sponsored, just obsessed",
    ),
}
MOOD_LINES: dict[JobKind, tuple[str, ...]] = {
    "promo": ("Made to be noticed.", "Every detail, considered.", "Pure presence."),
    "fashion": ("Made to move.", "Every detail counts.", "Wear it your way."),
    "ugc": ("Honestly, I'm obsessed.", "I use it every day now.", "I did not expect this."),
}
# Free-text vibe -> (grade, music mood). Stems, so "luxe", "luxury" and "luxurious" all hit.
VIBE_KEYWORDS: tuple[tuple[tuple[str, ...], Grade, MusicMood], ...] = (
    (
        (
            "luxur",
            "luxe",
            "premium",
            "elegan",
            "gold",
            "rich",
            "opulen",
            "sophistic",
            "classy",
            "glamo",
        ),
        "luxurious",
        "luxurious",
    ),
    (
        (
            "stylish",
            "fashion",
            "editorial",
            "chic",
            "urban",
            "cool",
            "sleek",
            "trendy",
            "modern",
            "minimal",
        ),
        "stylish",
        "stylish",
    ),
    (
        (
            "bold",
            "energ",
            "punchy",
            "vibrant",
            "sport",
            "loud",
            "dynamic",
            "hype",
            "intense",
            "dramatic",
            "power",
        ),
        "bold",
        "upbeat",
    ),
    (
        (
            "fresh",
            "clean",
            "airy",
            "summer",
            "bright",
            "light",
            "crisp",
            "zesty",
            "playful",
            "fun",
            "happy",
            "cheer",
        ),
        "fresh",
        "upbeat",
    ),
    (
        (
            "natural",
            "calm",
            "serene",
            "soft",
            "organic",
            "relax",
            "gentle",
            "peace",
            "mindful",
            "earthy",
        ),
        "natural",
        "calm",
    ),
    (
        ("warm", "cozy", "cosy", "homey", "authentic", "honest", "real", "friendly", "nostalg"),
        "natural",
        "warm",
    ),
)

BPM_BY_MOOD: dict[MusicMood, tuple[int, int]] = {
    "luxurious": (70, 84),
    "stylish": (100, 116),
    "upbeat": (116, 128),
    "calm": (66, 78),
    "warm": (86, 98),
}

# Product height / frame height by framing (the renderer's product_scale).
SCALE_BY_FRAMING: dict[Framing, float] = {
    "wide": 0.45,
    "medium": 0.55,
    "close": 0.68,
    "macro": 0.8,
}
MAX_PRODUCT_SCALE = 0.92  # above this the product's edges leave the frame on camera moves


def vibe_to_look(vibe: str | None, default: tuple[Grade, MusicMood]) -> tuple[Grade, MusicMood]:
    """The grade and music mood closest to a free-text vibe; `default` when nothing matches.

    The vibe family with the most keyword hits wins; ties go to the earlier family.
    """
    if not vibe:
        return default
    lowered = vibe.lower()
    best, best_hits = default, 0
    for stems, grade, mood in VIBE_KEYWORDS:
        hits = sum(stem in lowered for stem in stems)
        if hits > best_hits:
            best, best_hits = (grade, mood), hits
    return best


def end_card_seconds(duration_s: float) -> float:
    """~2 s of end card; shorter on the shortest films so the shots keep their time."""
    if duration_s < 9.0:
        return 1.5
    return 2.5 if duration_s >= 24.0 else 2.0


def shot_count_bounds(kind: JobKind, duration_s: float) -> tuple[int, int]:
    """The shot counts that suit this length: about one shot per three seconds, clamped to
    the kind's range, with one shot of freedom for variety."""
    low, high = RULES[kind].shot_range
    ideal = (duration_s - end_card_seconds(duration_s)) / 3.0
    near = min(max(round(ideal), low), high)
    return max(low, near - 1 if ideal < near else near), min(
        high, near + 1 if ideal > near else near
    )


@dataclass(frozen=True)
class Timeline:
    """Where every shot sits on the final timeline.

    Shots overlap by their transition (crossfade), the last transition leads into the end
    card, so sum(shot_s) + end_card_s - sum(transition_s) == the film's duration.
    """

    shot_s: tuple[float, ...]
    transition_s: tuple[float, ...]  # one per shot: into the next shot, the last into the card
    end_card_s: float

    @property
    def starts(self) -> tuple[float, ...]:
        """Start of each shot, then of the end card."""
        out, t = [], 0.0
        for shot, fade in zip(self.shot_s, self.transition_s, strict=True):
            out.append(t)
            t += shot - fade
        return (*out, t)

    def settled(self, i: int) -> tuple[float, float]:
        """The part of shot i's window that belongs to it: from the middle of the transition
        in to the middle of the transition out (to the card's start for the last shot)."""
        start = self.starts[i]
        fade_in = self.transition_s[i - 1] if i > 0 else 0.0
        last = i == len(self.shot_s) - 1
        fade_out = self.transition_s[i] * (1.0 if last else 0.5)
        return start + fade_in / 2, start + self.shot_s[i] - fade_out


def plan_timeline(kind: JobKind, duration_s: float, weights: Sequence[float], fps: int) -> Timeline:
    """Frame-exact shot lengths in proportion to `weights` (one per shot), each long enough
    to hold its transitions plus a moment on its own.

    Weights that are already frame-exact lengths adding up to the film come back unchanged,
    so the same call both plans a timeline and fits an agent's shot list to the duration.
    """
    count = len(weights)
    total = round(duration_s * fps)
    end = round(end_card_seconds(duration_s) * fps)
    per_shot = (total - end) // count
    # A second of each shot on its own, so a caption can be read; with too many shots for
    # the time, transitions shorten first, then that second.
    fade = max(1, min(round(RULES[kind].transition_s * fps), per_shot - fps))
    minimum = 2 * fade + max(1, min(fps, per_shot - fade))
    available = total - end + count * fade
    weight_sum = sum(max(w, 1e-6) for w in weights)
    exact = [available * max(w, 1e-6) / weight_sum for w in weights]
    frames = [math.floor(x + 1e-6) for x in exact]
    by_rest = sorted(range(count), key=lambda i: (-(exact[i] - frames[i]), i))
    for k in range(available - sum(frames)):  # largest remainders get the spare frames
        frames[by_rest[k % count]] += 1
    for i in range(count):  # lift short shots to the minimum, taking from the longest
        while frames[i] < minimum:
            longest = max(range(count), key=lambda j: (frames[j], -j))
            if frames[longest] <= minimum:
                break
            frames[longest] -= 1
            frames[i] += 1
    shots = tuple(round(f / fps, 6) for f in frames)  # microseconds: exact enough, readable
    fades = (round(fade / fps, 6),) * count
    # The end card takes the sub-frame rest of a duration that is not a whole number of
    # frames, so the identity holds exactly while shots and fades stay frame-exact.
    return Timeline(shots, fades, round(duration_s - (sum(shots) - sum(fades)), 9))


MIN_BACKDROP_CONTRAST = 2.0  # product against the backdrop's middle, so it never melts in
Hsv = tuple[float, float, float]


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    value = hex_colour.lstrip("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", value):
        return 0.5, 0.5, 0.5
    return int(value[0:2], 16) / 255, int(value[2:4], 16) / 255, int(value[4:6], 16) / 255


def _hex(hsv: Hsv) -> str:
    rgb = colorsys.hsv_to_rgb(hsv[0] % 1.0, *(min(max(c, 0.0), 1.0) for c in hsv[1:]))
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def _luminance(hex_colour: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two "#rrggbb" colours (1..21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _middle(top: Hsv, bottom: Hsv) -> str:
    return _hex((top[0], (top[1] + bottom[1]) / 2, (top[2] + bottom[2]) / 2))


def backdrop_colours(palette: Sequence[str], grade: Grade, rng: random.Random) -> tuple[str, str]:
    """The plan's studio gradient (top, bottom), from the product palette and the grade:
    deep and rich for luxurious, complementary for stylish/bold, pale for fresh, warm
    neutral for natural; then moved away from the product's brightness until the product
    stands out (darker behind light products, lighter behind dark ones)."""
    product = palette[0] if palette else "#808080"
    accent = palette[1] if len(palette) > 1 else product
    h, s, _ = colorsys.rgb_to_hsv(*_rgb(accent if grade == "luxurious" else product))
    h += rng.uniform(-0.03, 0.03)  # each brief its own shade of the palette
    looks: dict[Grade, tuple[Hsv, Hsv]] = {
        "luxurious": ((h, min(s, 0.5) + 0.1, 0.26), (h, min(s, 0.6) + 0.1, 0.08)),
        "stylish": ((h + 0.5, 0.3, 0.42), (h + 0.5, 0.32, 0.2)),
        "bold": ((h + 0.5, 0.65, 0.78), (h + 0.5, 0.7, 0.52)),
        "fresh": ((h, 0.12, 0.97), (h, 0.2, 0.85)),
        "natural": ((0.08 + (h - 0.08) * 0.1, 0.18, 0.92), (0.07, 0.25, 0.78)),
    }
    top, bottom = looks[grade]
    step = -0.05 if _luminance(product) > 0.18 else 0.05
    for _ in range(24):
        if contrast_ratio(product, _middle(top, bottom)) >= MIN_BACKDROP_CONTRAST:
            break
        top = (top[0], top[1], min(max(top[2] + step, 0.03), 0.98))
        bottom = (bottom[0], bottom[1], min(max(bottom[2] + step, 0.0), 0.95))
    return _hex(top), _hex(bottom)


def vary_backdrop(backdrop: tuple[str, str], product: str, rng: random.Random) -> tuple[str, str]:
    """The plan's backdrop a touch lighter or darker for one shot (a set lit differently),
    unless that would cost the product its contrast."""
    factor = rng.uniform(0.9, 1.1)

    def scaled(colour: str) -> Hsv:
        h, s, v = colorsys.rgb_to_hsv(*_rgb(colour))
        return h, s, v * factor

    top, bottom = scaled(backdrop[0]), scaled(backdrop[1])
    if contrast_ratio(product, _middle(top, bottom)) < MIN_BACKDROP_CONTRAST:
        return backdrop
    return _hex(top), _hex(bottom)
