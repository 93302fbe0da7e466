"""Local text moderation of briefs: category patterns with word boundaries.

Tuned against marketing copy, which is full of alarming-looking words: "killer deal",
"bath bomb", "shot on iPhone", "drop", "nude lipstick", "massage gun", "Gore-Tex",
"to die for". Everyday phrases are blanked out first, then each category's patterns are
searched. Category names follow the OpenAI moderation taxonomy where one exists, so a
verdict reads the same whichever moderator produced it.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# Ad phrases that contain a flagged word but mean nothing harmful. Removed before matching.
_EVERYDAY = re.compile(
    r"\b(?:"
    r"bath ?bombs?|(?:flavou?r|colou?r|glitter|seed|photo|calorie|vitamin|moisture|"
    r"hydration|fizz(?:y)?|shower) ?bombs?|(?:is|was|looks?|smells?) (?:the|da) bomb|"
    r"bomber(?: jacket)?s?|"
    r"killer (?:deals?|looks?|prices?|heels|style|app|feature|combo|curves|abs|smile)|"
    r"kill(?:s|ing)? it|kill(?:ing)? the game|kill (?:them|'em) with kindness|"
    r"dressed to kill|drop[- ]dead (?:gorgeous|stunning)|to die for|"
    r"(?:massage|glue|heat|nail|water|squirt|nerf|spray|staple|caulk(?:ing)?|tattoo|toy|"
    r"bubble|paint|grease|foam|hot glue|airbrush|air|radar|top|smoking|styling) ?guns?|"
    r"gun ?metal|water pistols?|"
    r"nude (?:lip\w*|shades?|tones?|colou?r(?:s|ed|way)?|heels|pumps|shoes|sandals|flats|"
    r"palette|make-?up|beige|pink|nails?|polish|manicure|bra|underwear|tights|hosiery|"
    r"knit|sweater|dress|look|gloss|blush|eyeshadow|liner|foundation|hue|neutrals?)|"
    r"(?:in|shades? of|colou?r) nude|naked (?:cake|palette|eye|juice|truth|flavou?r|skin "
    r"feel)|"
    r"gore-?tex|shooting stars?|photo ?shoots?|shot on|(?:espresso|tequila|flu|booster|"
    r"energy|vitamin|wellness|ginger|hero|product|money|beauty) shots?|"
    r"murder myster(?:y|ies)|knock ?outs? (?:look|price|deal)|explosive (?:flavou?r|taste|"
    r"growth|sale|savings|colou?r|performance|sound|bass)|cut (?:yourself|myself) (?:a|some|"
    r"an)\b|slash(?:ed|ing)? prices?|price slash\w*|(?:weed|bug|pest) killer|"
    r"(?:killer|crazy|insane) (?:bass|flavou?r|scent)|torture[- ]test(?:s|ed)?|"
    r"(?:no|not|never|against|from|avoid|beware of|spot|detect|fight(?:ing)?|"
    r"combat(?:ing)?|anti-?)\s+(?:counterfeit|fake|forged)s?(?:\s+\w+)?"
    r")",
    _I,
)

_MINOR = (
    r"(?:child(?:ren)?|kids?|minors?|under-?age|pre-?teens?|teen(?:ager)?s?|"
    r"school ?(?:girls?|boys?)|little (?:girls?|boys?)|toddlers?)"
)
_SEXUAL_WORD = (
    r"(?:sexy|sexual(?:ly|i[sz]ed)?|nude|naked|topless|erotic|seductive|"
    r"lingerie|porn\w*|provocative)"
)

CATEGORIES: dict[str, tuple[re.Pattern[str], ...]] = {
    "sexual/minors": (
        re.compile(rf"\b{_MINOR}\b[^.!?]{{0,25}}\b{_SEXUAL_WORD}\b", _I),
        re.compile(rf"\b{_SEXUAL_WORD}\b[^.!?]{{0,25}}\b{_MINOR}\b", _I),
        re.compile(r"\b(?:child porn\w*|jailbait|loli(?:con)?|csam|pedo(?:phil\w*)?)\b", _I),
    ),
    "sexual": (
        re.compile(
            r"\b(?:porn\w*|xxx|nsfw|hentai|explicit sex\w*|sex (?:tape|scene|act)s?|"
            r"erotic(?:a)?|nudity|onlyfans|fetish\w*|orgy|orgies|genitals?|"
            r"blow ?jobs?|hand ?jobs?|strip ?tease)\b",
            _I,
        ),
        re.compile(
            r"\b(?:nude|naked|topless|undressed)\b(?:\s+\w+)?\s+(?:wom[ae]n|girls?|"
            r"m[ae]n|guys?|boys?|models?|bod(?:y|ies)|people|person|photos?|pics?|"
            r"pictures?|images?|selfies?|scenes?|shots?)\b",
            _I,
        ),
        re.compile(r"\b(?:fully|completely|totally) (?:nude|naked)\b", _I),
    ),
    "violence": (
        re.compile(
            r"\b(?:kill(?:s|ing|ed)?|murder(?:s|ing|ed)?|slaughter(?:s|ing|ed)?|"
            r"behead(?:s|ing|ed)?)\s+(?:people|someone|somebody|everyone|him|her|"
            r"them|you|my \w+|your \w+|the (?:crowd|president|police|cops?))\b",
            _I,
        ),
        # "shoot you an email", "shoot her a message": only people as targets count here.
        re.compile(
            r"\b(?:shoot(?:s|ing)?|stab(?:s|bing|bed)?)\s+(?:people|someone|somebody|"
            r"everyone|the (?:crowd|president|police|cops?)|up (?:a|the) (?:school|"
            r"church|mosque|synagogue|mall|office))\b",
            _I,
        ),
        re.compile(
            r"\b(?:murder(?:er|ers|ous)?|massacres?|mass shootings?|school shootings?|"
            r"genocide|bloodbath|beheadings?|tortur(?:e|ed|ing)|gore|gory|"
            r"dismember\w*|terroris[mt]s?|terror attacks?|bomb threats?)\b",
            _I,
        ),
    ),
    "weapons": (
        re.compile(
            r"\b(?:guns?|firearms?|handguns?|shotguns?|rifles?|pistols?|revolvers?|"
            r"assault weapons?|ar-?15s?|ak-?47s?|ammo|ammunition|"
            r"grenades?|explosives|ghost guns?)\b",
            _I,
        ),
        re.compile(
            r"\b(?:(?:pipe|car|nail|letter|dirty|atomic|nuclear|time|suicide) bombs?|"
            r"(?:build|make|making|plant|planting|detonate|detonating)\s+(?:a\s+)?"
            r"(?:bomb|explosive)s?|bombs?|ied|molotov\w*)\b",
            _I,
        ),
    ),
    "hate": (
        re.compile(
            r"\b(?:nazis?|neo-?nazis?|heil hitler|white power|white supremac\w+|"
            r"ethnic cleansing|subhumans?|master race|race war|kkk|sieg heil|1488)\b",
            _I,
        ),
        re.compile(
            r"\b(?:kill|gas|deport|exterminate|hate)\s+(?:all\s+)?(?:the\s+)?"
            r"(?:jews|muslims|christians|blacks|whites|asians|mexicans|immigrants|"
            r"gays|trans people|women)\b",
            _I,
        ),
    ),
    "self-harm": (
        re.compile(
            r"\b(?:suicid(?:e|al)|self[- ]harm\w*|kill (?:yourself|myself|themselves)|"
            r"kys|cut(?:ting)? (?:yourself|myself)|pro-?ana|thinspo\w*|"
            r"starve (?:yourself|myself))\b",
            _I,
        ),
    ),
    "illicit": (
        re.compile(
            r"\b(?:cocaine|crack cocaine|heroin|meth(?:amphetamine)?|crystal meth|"
            r"fentanyl|mdma|lsd|ecstasy pills|ketamine|psilocybin|magic mushrooms|"
            r"molly pills)\b",
            _I,
        ),
        re.compile(r"\b(?:buy|sell|order|selling)\s+(?:weed|drugs|coke|meth)\b", _I),
        re.compile(
            r"\b(?:counterfeit|fake|forged)\s+(?:ids?|passports?|money|bills|cash|"
            r"currency|documents?|designer \w+|rolex\w*|goods)\b",
            _I,
        ),
    ),
}


def flagged_categories(text: str) -> list[str]:
    """Categories the text hits, after removing everyday ad phrases that look alarming."""
    cleaned = _EVERYDAY.sub(" ", text)
    return [
        name for name, patterns in CATEGORIES.items() if any(p.search(cleaned) for p in patterns)
    ]


def matched_terms(text: str) -> dict[str, list[str]]:
    """The words that triggered each category (for the verdict's human-readable reason)."""
    cleaned = _EVERYDAY.sub(" ", text)
    hits: dict[str, list[str]] = {}
    for name, patterns in CATEGORIES.items():
        found = [m.group(0).strip() for p in patterns for m in p.finditer(cleaned)]
        if found:
            hits[name] = list(dict.fromkeys(found))
    return hits
