"""The ordinary-brief corpus (tests/corpus/briefs/ordinary.yaml) through the offline
planner: how many product names are one the brief means, how many calls to action are on
the end card verbatim, how many plans pass `copy_quality`, and how many voice lines,
captions and headlines `copy_rules.problems` flags. Prints one JSON line.

    .venv/bin/python bench/copy_ordinary.py [--root CHECKOUT]

`--root` plans with another checkout's planner (e.g. an older commit unpacked with
`git archive <commit> aistudio tests | tar -x -C /tmp/old`), judged by this checkout's
rules and corpus: before/after on the same briefs.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "briefs" / "ordinary.yaml"


def _bare(name: str) -> str:
    name = re.sub(r"['\"“”‘’]", "", name.lower()).strip()
    return name[4:] if name.startswith("the ") else name


async def _plans(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    artifacts = importlib.import_module("aistudio.artifacts")
    checks = importlib.import_module("aistudio.tools.planner.copy_checks")
    planner = importlib.import_module("tests.unit.test_planner")
    out = []
    for item in items:
        brief = artifacts.Brief(kind=item["kind"], text=item["text"], voice_over=True)
        plan = await planner.make_plan(brief)
        quality = checks.copy_quality(brief, plan.concept, plan.shots, plan.audio, plan.render)
        lines = [line.text for line in plan.audio.script] + [c.text for c in plan.render.captions]
        out.append(
            {
                "name": plan.concept.product_name,
                "lines": [*lines, plan.render.end_card.headline],
                "card": plan.render.end_card.call_to_action,
                "passed": quality.passed,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args()
    items: list[dict[str, Any]] = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    sys.path.insert(0, str(args.root.resolve()))
    plans = asyncio.run(_plans(items))
    # This checkout's rules judge every plan, whichever planner made it.
    for name in [m for m in sys.modules if m == "aistudio" or m.startswith("aistudio.")]:
        del sys.modules[name]
    sys.path[0] = str(ROOT)
    rules = importlib.import_module("aistudio.tools.planner.copy_rules")
    lines = [line for plan in plans for line in plan["lines"]]
    flagged = [line for line in lines if rules.problems(line)]
    names_ok = sum(
        _bare(p["name"]) in {_bare(n) for n in item["names"]}
        for p, item in zip(plans, items, strict=True)
    )
    cta_ok = sum(
        "cta" not in item or item["cta"][1:] in p["card"]
        for p, item in zip(plans, items, strict=True)
    )
    report = {
        "briefs": len(items),
        "names_right": names_ok,
        "names_flagged": sum(bool(rules.name_problems(p["name"])) for p in plans),
        "cta_verbatim": cta_ok,
        "copy_quality_passed": sum(p["passed"] for p in plans),
        "lines": len(lines),
        "lines_flagged": len(flagged),
        "flagged_examples": flagged[:8],
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
