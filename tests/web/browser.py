"""Helpers of the web studio's browser test: Debian's Chromium driven by Playwright (never a
browser Playwright downloads), axe-core from web/node_modules, screenshots per screen."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "out" / "screenshots"
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)
# As root and headless on a machine without a network: no sandbox, no GPU, and none of the
# background connections Chromium would make to Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
SERIOUS = {"serious", "critical"}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def require_browser() -> None:
    """Skip loudly when the machine lacks what the browser test drives."""
    if not CHROMIUM.is_file():
        pytest.skip(
            "Debian's chromium is not installed (scripts/setup installs it with apt-get): "
            "the web studio's browser flow is NOT tested"
        )
    if not AXE.is_file():
        pytest.skip(
            "web/node_modules has no axe-core (scripts/setup runs npm ci when Node.js is "
            "here): the web studio's browser flow is NOT tested"
        )


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def fresh_screenshots() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core findings on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
            return result.violations.map((v) => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
            }));
        }""",
        AXE_TAGS,
    )
    return [v for v in found if v["impact"] in SERIOUS]


def capture(page: Page, name: str) -> None:
    """The screen at desktop and phone widths: a full-page screenshot of each, and an axe
    scan of each (no serious or critical violation)."""
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # layout settles
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        problems = axe_violations(page)
        assert not problems, f"{name} ({label}): " + json.dumps(problems, indent=1)
    page.set_viewport_size(DESKTOP)
