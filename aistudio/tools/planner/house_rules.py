"""Per-kind house rules of the original AI Studio, as data."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aistudio.artifacts import CameraMove, Framing, Grade, JobKind, MusicMood, TransitionKind

REFERENCE_FIDELITY_CLAUSE = (
    "Keep the product exactly as in the reference image: same shape, colours, label text "
    "and proportions."
)
GARMENT_FIDELITY_CLAUSE = (
    "Garment details must match the reference: colour, fabric, cut, logo and stitching."
)
# Words that put a person in a product-only (promo) shot. Word boundaries; "hand" also
# matches "hand-held" on purpose: promo prompts must not invite hands into frame.
HUMAN_WORDS = re.compile(
    r"\b(person|persons|people|man|men|woman|women|girl|girls|boy|boys|hands?|fingers?|"
    r"faces?|human|humans|influencer|creator|someone|somebody|lady|guy|model wearing|"
    r"actor|actress|selfie)\b",
    re.I,
)


@dataclass(frozen=True)
class HouseRules:
    kind: JobKind
    shots: tuple[int, int]  # inclusive range
    moves: tuple[CameraMove, ...]
    framings: tuple[Framing, ...]
    grade: Grade
    music: MusicMood
    bpm: tuple[int, int]
    vibe: str
    humans_allowed: bool
    transitions: tuple[TransitionKind, ...]
    style_words: tuple[str, ...]


RULES: dict[JobKind, HouseRules] = {
    "promo": HouseRules(
        "promo", (3, 5), ("push_in", "orbit", "pan_left", "pan_right", "parallax", "pull_out"),
        ("wide", "medium", "close", "macro"), "luxurious", "luxurious", (72, 88),
        "luxurious", False, ("fade", "dissolve", "fadeblack", "smoothleft"),
        ("studio-lit", "glossy", "premium", "cinematic", "elegant"),
    ),
    "fashion": HouseRules(
        "fashion", (3, 5), ("pan_left", "pan_right", "parallax", "push_in", "orbit"),
        ("wide", "medium", "close", "macro"), "stylish", "stylish", (100, 118),
        "stylish", True, ("slideleft", "fade", "smoothleft", "slideup"),
        ("editorial", "runway-lit", "crisp", "confident", "modern"),
    ),
    "ugc": HouseRules(
        "ugc", (3, 4), ("handheld",), ("medium", "close", "wide"), "natural", "warm",
        (90, 104), "natural", True, ("fade", "dissolve"),
        ("natural light", "casual", "authentic", "phone-shot", "real"),
    ),
}

VIBE_GRADES: tuple[tuple[tuple[str, ...], Grade, MusicMood], ...] = (
    (("luxur", "premium", "elegan", "gold", "rich", "opulent"), "luxurious", "luxurious"),
    (("stylish", "fashion", "editorial", "chic", "urban", "cool"), "stylish", "stylish"),
    (("bold", "energetic", "punchy", "vibrant", "sport", "loud"), "bold", "upbeat"),
    (("fresh", "clean", "airy", "summer", "bright", "light"), "fresh", "upbeat"),
    (("natural", "calm", "cozy", "soft", "organic", "warm", "authentic"), "natural", "calm"),
)


def vibe_to_grade(vibe: str, default: tuple[Grade, MusicMood]) -> tuple[Grade, MusicMood]:
    lowered = vibe.lower()
    for words, grade, mood in VIBE_GRADES:
        if any(w in lowered for w in words):
            return grade, mood
    return default
