"""The copy grammar: what it recognises in a brief, what it rejects in copy, how it
shortens, and the call-to-action detector."""

from __future__ import annotations

import pytest

from aistudio.tools.planner.copy_rules import name_problems, problems
from aistudio.tools.planner.cta import end_card_cta, find_cta
from aistudio.tools.planner.grammar import (
    classify,
    head_noun_phrase,
    is_truncation,
    shorter_forms,
)

# -- what a fragment is ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "kind"),
    [
        ("Taped seams", "np"),
        ("Waterproof recycled shell", "np"),
        ("Relaxed fit for city rain", "np"),
        ("80 km range", "np"),
        ("Amber and vanilla", "np"),
        ("Notes of amber", "np"),
        ("Salmon cat food", "np"),
        ("Grain free", "adjp"),
        ("Simple", "adjp"),
        ("Dishwasher safe", "adjp"),
        ("keeps coffee hot for 12 hours", "pred"),
        ("absorbs fast", "pred"),
        ("Blends smoothies in 30 seconds", "pred"),
        ("My picky tabby finally cleans her bowl", "clause"),
        ("my skin looks brighter after one week", "clause"),
        ("Beans roasted this week", "clause"),
        ("Book your seat at beanhouse.example", "imperative"),
        ("Follow us for the launch", "imperative"),
        ("Test ride today", "imperative"),
        ("Book your seat at", None),  # a remnant that stops on a preposition
        ("the your", None),
    ],
)
def test_fragments_are_classified_by_what_they_are(fragment: str, kind: str | None) -> None:
    assert classify(fragment) == kind


def test_a_noun_phrase_without_its_trailing_phrase() -> None:
    assert head_noun_phrase("Salmon cat food with real salmon") == "Salmon cat food"
    assert head_noun_phrase("our head barista") == "head barista"
    assert head_noun_phrase("keeps coffee hot") is None or classify("keeps coffee hot") == "pred"


# -- the rules copy_quality applies ------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("Notice the your seat at.", "two determiners"),
        ("Notice the your seat at.", "ends on 'at'"),
        ("Notice the simple.", "a determiner without a noun"),
        ("Notice the roasted this week.", "a determiner without a noun"),
        ("Honestly, my picky tabby.", "a fragment with no verb"),
        ("Discover the learn latte art.", "a verb after a determiner"),
        ("I love that it my picky tabby finally cleans her bowl.", "no verb after 'that it'"),
        ("An bottle for a evening.", "'an bottle' should be 'a bottle'"),
        ("An bottle for a evening.", "'a evening' should be 'an evening'"),
        ("Shop now now.", "a repeated word"),
        ("Made with (love.", "unbalanced"),
        ("Available in black and.", "ends on 'and'"),
        ("Honestly, I'm.", "ends on 'I'm'"),
        ("Trust me, it’s.", "ends on 'it’s'"),
        # What ordinary briefs made the copywriter write (issue 9):
        ("Discover the perfect for the holidays.", "a determiner without a noun"),
        ("This is the soft.", "a determiner without a noun ('the soft')"),
        ("The soft. Shop the collection.", "a determiner without a noun"),
        ("I've been using I'm every single day.", "a clause where a noun phrase belongs"),
        ("Meet the it's.", "a clause where a noun phrase belongs"),
        ("Discover the cafe au Lait.", "a name without its capital"),
    ],
)
def test_broken_copy_is_flagged(line: str, problem: str) -> None:
    assert any(problem in p for p in problems(line)), problems(line)


@pytest.mark.parametrize(
    "line",
    [
        "Introducing the Lumen desk lamp. Pure presence.",
        "Notice the relaxed fit.",
        "A modern classic.",
        "Every detail, considered.",
        "Try it on.",
        "Sign up.",
        "Made for her.",
        "Okay, so I've been using AURUM for a week now.",
        "I love that it absorbs fast.",
        "Honestly, my skin looks brighter after one week.",
        "It's so simple, and I love it.",
        "Shop now at aurum.example.",
        "SKYE GIN No. 3.",
        "Not sponsored, just obsessed",
        "An hour of light, a euro a day, an SUV.",
        "The knitted vest.",
        "Worth the hype?",
        "It isn't.",
        "It's Maria's.",
        "Here's why.",
        "Perfect for the holidays.",
        "The perfect gift for the holidays.",
        "Simply perfect for the holidays.",
        "Discover Cafe au Lait.",
        "I think I'm in love.",
        "Honestly, it's grain free.",
        "And it actually made laying the path easy.",
        "Picked this morning.",
        "Notice the foam cleaner.",
        "AURUM Eau de Parfum.",
        "The best of the season.",
        "I've been using the RENEW night cream.",  # a brand in capitals, not a verb
    ],
)
def test_good_copy_passes(line: str) -> None:
    assert problems(line) == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Whiskerly. Grain", "runs across a sentence end"),
        ("The soft", "no noun phrase"),
        ("I'm", "no noun phrase"),
        ("A3", "a size or code"),
        ("S-XXL", "a size or code"),
        ("The rent one", "a pro-form"),
        ("March. Six weeks", "runs across a sentence end"),
    ],
)
def test_a_product_name_that_names_no_product_is_flagged(name: str, problem: str) -> None:
    assert any(problem in p for p in name_problems(name)), name_problems(name)


@pytest.mark.parametrize(
    "name",
    [
        "The cement mixer",
        "AURUM Eau de Parfum",
        "Hand Cream No. 5",
        "BOLT 3",
        "OSCAR & FINN",
        "The Kyoto pagoda photo print",
        "The foam cleaner",
        "The navy naval officer's jacket",
    ],
)
def test_product_names_pass(name: str) -> None:
    assert name_problems(name) == []


# -- shortening without cutting ----------------------------------------------------------


def test_shorter_forms_are_whole_phrases_longest_first() -> None:
    assert shorter_forms("Relaxed fit for city rain")[0] == "Relaxed fit"
    assert "Recycled shell" in shorter_forms("Waterproof recycled shell")
    forms = shorter_forms("Keeps water hot for an hour")
    assert forms[0] == "Keeps water hot"
    for text in ("My picky tabby finally cleans her bowl", "80 km range", "Grain free"):
        for form in shorter_forms(text):
            assert not is_truncation(form, text), form
            assert classify(form) is not None and not problems(form)


def test_truncation_is_a_cut_inside_a_phrase() -> None:
    assert is_truncation("My picky tabby finally cleans", "My picky tabby finally cleans her bowl")
    assert is_truncation("Espresso workshop this", "Espresso workshop this Saturday")
    assert not is_truncation("Relaxed fit", "Relaxed fit for city rain")
    assert not is_truncation("Amber and vanilla", "Amber and vanilla")
    assert not is_truncation("Something else", "My picky tabby finally cleans her bowl")


# -- the brief's own call to action --------------------------------------------------------


@pytest.mark.parametrize(
    ("brief", "cta"),
    [
        (
            "Beans roasted this week. Book your seat at beanhouse.example",
            "Book your seat at beanhouse.example",
        ),
        (
            "PURRFECT salmon cat food, grain free. Follow us for the launch",
            "Follow us for the launch",
        ),
        ("VOLTA e-bike. 80 km range, simple. Test ride today", "Test ride today"),
        (
            "Kettle Pro 2 boils in 90 seconds. Order yours at kettle.example",
            "Order yours at kettle.example",
        ),
        ("AURUM, amber and vanilla. Shop now at aurum.example", "Shop now at aurum.example"),
        ("taped seams, relaxed fit. New season, order today", "Order today"),
        (
            "Product: Kettle\nCTA: Order yours at kettle.example\nTone: warm",
            "Order yours at kettle.example",
        ),
        ("oversized hoodie 🖤 heavyweight cotton. link in bio", "Link in bio"),
        ("Bestselling tote is back. Restock alert: shop at river.example", "Shop at river.example"),
        ("Drop goes live Friday 6pm — set a reminder", "Set a reminder"),
        ("SKYE GIN No. 3, heather and juniper. Drink responsibly", None),
        ("A linen dress in sage green", None),
        ("The SHIELD case survives 3 metre drops. Available in 6 colours", None),
        ("Learn latte art with our head barista", None),
    ],
)
def test_the_brief_call_to_action_is_found_verbatim(brief: str, cta: str | None) -> None:
    found = find_cta(brief)
    assert (found.text if found else None) == cta


def test_a_separate_web_address_follows_the_call_to_action() -> None:
    assert end_card_cta("Follow us for the launch", "orbit.example") == (
        "Follow us for the launch · orbit.example"
    )
    assert end_card_cta("Visit lumen.shop", "lumen.shop") == "Visit lumen.shop"
