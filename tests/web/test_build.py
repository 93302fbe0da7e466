"""The web studio's build ships in the package: it must be the build of web/'s sources.

`web/scripts/stamp.mjs` records the digest of the sources in build.json when it builds;
this computes the same digest in Python. A failure means web/ changed without a rebuild:
run `scripts/setup` (or `cd web && npm run build`) and commit aistudio/assets/web.
"""

from __future__ import annotations

import json
import re

from aistudio.server.webui import WEB_ROOT, source_digest
from tests.conftest import ROOT


def test_committed_build_is_the_build_of_the_sources() -> None:
    stamp = json.loads((WEB_ROOT / "build.json").read_text())
    assert stamp["sources_sha256"] == source_digest(ROOT / "web"), (
        "aistudio/assets/web is stale: rebuild the web studio (scripts/setup) and commit it"
    )
    sources = sorted(
        p.relative_to(ROOT / "web").as_posix()
        for p in (ROOT / "web" / "src").rglob("*")
        if p.is_file()
    )
    assert set(sources) <= set(stamp["files"])


def test_the_page_loads_only_files_the_build_has() -> None:
    index = (WEB_ROOT / "index.html").read_text()
    referenced = re.findall(r'(?:src|href)="/(static/[^"]+)"', index)
    assert referenced, index
    for name in referenced:
        assert (WEB_ROOT / name).is_file(), name
    # Chunks the entry loads on demand (the LangGraph client, with the studio screen).
    entry = next(WEB_ROOT.joinpath(n) for n in referenced if n.endswith(".js"))
    chunks = re.findall(r"""["'`]\./([\w.-]+\.js)["'`]""", entry.read_text())
    assert any(c.startswith("agent-") for c in chunks), chunks
    for chunk in chunks:
        assert (WEB_ROOT / "static" / chunk).is_file(), chunk
    # No CDN at run time: the page loads nothing from another host.
    assert not re.search(r'(?:src|href)="(?:https?:)?//', index), index
