"""The web studio in a real browser against the real server (`aistudio serve --dev`, the
embedded default): from an empty page to a downloaded, playable MP4 through the UI alone.

Sign in with a key, drop a photo, change the brief in two chat turns and once by hand,
preview the storyboard and price, render, watch the job's live progress, play the video,
download the MP4 and measure it with PyAV. Then the studio again (the conversation and
its renders), the gallery, a remix from it, a revise of one of its shots (a child job),
and a job waiting for plan approval (revised by keyboard, approved, then cancelled).
Every screen is captured at desktop and phone widths into out/screenshots/ and scanned
with axe-core (no serious or critical violation).
"""

from __future__ import annotations

import base64
import socket
import subprocess
from pathlib import Path

import av
import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import sample
from tests.e2e.test_serve import serving
from tests.web.browser import (
    DESKTOP,
    capture,
    chromium,
    fresh_screenshots,
    require_browser,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]
PHOTO = sample("aurum-perfume.png")
RENDER_TIMEOUT_MS = 240_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _api_key(aistudio_cmd: list[str], env: dict[str, str], data: Path) -> str:
    created = subprocess.run(
        [*aistudio_cmd, "api-key", "create", "--tenant", "dev", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    return created.stdout.strip()


def _idle(page: Page) -> None:
    """The assistant has answered: Send is enabled again and no tool is still working."""
    page.wait_for_function(
        "() => { const send = document.querySelector('.composer button[type=submit]');"
        " return send && !send.disabled && !document.querySelector('.tool-running'); }",
        timeout=120_000,
    )


def _say(page: Page, text: str) -> None:
    page.get_by_label("Message to the assistant").fill(text)
    page.keyboard.press("Enter")  # keyboard only: Enter sends
    expect(page.locator(".msg-user").last).to_contain_text(text)
    _idle(page)


def _thread_brief(base: str, key: str, page: Page) -> dict[str, object]:
    """The thread's brief as the server holds it (not as the page shows it)."""
    thread = page.evaluate("sessionStorage.getItem('aistudio.threadId')")
    state = httpx.get(
        f"{base}/api/v1/agent/threads/{thread}/state", headers={"X-API-Key": key}, timeout=30
    )
    assert state.status_code == 200, state.text
    brief: dict[str, object] = state.json()["values"]["brief"]
    return brief


def _sign_in(page: Page, base: str, key: str) -> None:
    # A key the server refuses sends the page to the sign-in screen...
    page.goto(f"{base}/")
    page.evaluate(
        "sessionStorage.setItem('aistudio.apiKey', 'ais_0123456789abcdef_revoked-key-xx')"
    )
    page.goto(f"{base}/jobs")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.url.endswith("/login")
    capture(page, "01-sign-in")
    page.get_by_label("API key").fill("ais_0123456789abcdef_not-a-real-secret-at-all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("refused")
    # ...and a good key brings it back where it was going.
    page.get_by_label("API key").fill(key)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Videos", level=1)).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('aistudio.apiKey')") == key
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Studio").click()
    expect(page.get_by_role("heading", name="Studio", level=1)).to_be_visible()


def _keyboard_basics(page: Page) -> None:
    # A new screen puts focus on its heading; Tab goes on to the first control after it.
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "() => { const el = document.activeElement, s = getComputedStyle(el);"
        " return [el.textContent, s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[1] != "none" and outline[2] >= 2, outline  # focus is visible
    skip = page.get_by_role("link", name="Skip to content")
    skip.focus()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0  # shown while focused
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def _brief_in_chat(page: Page, base: str, key: str) -> None:
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    capture(page, "02-studio-empty")
    page.locator("#photo-input").set_input_files(str(PHOTO))
    expect(page.locator(".tool-name", has_text="analyze reference")).to_be_visible()
    _idle(page)
    expect(page.locator(".photo")).to_be_visible()
    # Two chat turns change the brief; the form beside the chat follows.
    _say(page, "It's called AURUM Eau de Parfum, 6 seconds, square")
    expect(page.get_by_label("Duration (seconds)")).to_have_value("6")
    expect(page.get_by_label("1:1 square")).to_be_checked()
    expect(page.get_by_label("9:16 vertical")).not_to_be_checked()
    _say(page, "warmer and mention free shipping")
    expect(page.get_by_label("Vibe")).to_have_value("warm")
    expect(page.get_by_label("Script notes")).to_have_value("free shipping")
    expect(page.locator(".tool-name", has_text="update brief")).to_have_count(2)
    # ...and a hand edit goes back to the thread.
    page.get_by_label("Call to action").fill("Shop the gold edition")
    page.get_by_role("button", name="Save brief").click()
    expect(page.locator(".brief-form .status")).to_contain_text("Saved: call to action")
    brief = _thread_brief(base, key, page)
    assert brief["call_to_action"] == "Shop the gold edition"
    assert brief["duration_s"] == 6.0 and brief["aspect_ratios"] == ["1:1"]
    assert brief["vibe"] == "warm" and brief["script_notes"] == ["free shipping"]
    capture(page, "03-studio-chat-and-brief")


def _preview(page: Page) -> None:
    page.get_by_role("button", name="Preview storyboard").click()
    _idle(page)
    expect(page.get_by_role("heading", name="3. Storyboard and price")).to_be_visible()
    board = page.locator("img.storyboard")
    expect(board).to_be_visible()
    assert page.evaluate("document.querySelector('img.storyboard').naturalWidth") > 100
    expect(page.locator(".shots-table tbody tr")).to_have_count(3)
    expect(page.locator(".shots-table tfoot")).to_contain_text("$0.00")
    capture(page, "04-studio-storyboard-and-price")


def _render_and_watch(page: Page) -> str:
    page.get_by_role("button", name="Render this video").click()
    expect(page.get_by_role("heading", name="Progress")).to_be_visible()
    job_id = page.url.rsplit("/", 1)[-1]
    # Live progress: a stage under way, the shots, the bar moving.
    page.wait_for_function(
        "() => document.querySelector('progress')?.value >= 10", timeout=RENDER_TIMEOUT_MS
    )
    expect(page.locator(".stage-active")).to_have_count(1)
    expect(page.locator(".shot")).to_have_count(3)
    capture(page, "05-job-rendering")
    expect(page.get_by_role("heading", name="QA report")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    expect(page.locator(".badge").first).to_have_text("Done")
    expect(page.locator(".stage-done")).to_have_count(12)
    return job_id


def _play_and_download(page: Page, tmp_path: Path) -> None:
    video = page.locator("video[data-aspect='1:1']")
    expect(video).to_be_visible()
    played = video.evaluate(
        """async (v) => {
            v.muted = true;
            await v.play();
            await new Promise((done) => {
              const check = () => (v.currentTime > 0.5 ? done() : setTimeout(check, 50));
              check();
            });
            v.pause();
            return [v.currentTime, v.videoWidth, v.videoHeight, v.duration];
        }"""
    )
    assert played[0] > 0.5 and played[1:3] == [1080, 1080], played
    assert abs(played[3] - 6.0) < 0.3, played
    capture(page, "06-job-finished")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download MP4").click()
    path = tmp_path / "downloaded.mp4"
    download_info.value.save_as(path)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == (1080, 1080)
        assert container.streams.audio and container.streams.audio[0].codec_context.name == "aac"
        assert abs(float(container.duration or 0) / 1_000_000 - 6.0) < 0.3
        frame = next(container.decode(video=0))
        assert frame.to_ndarray().std() > 5  # a picture, not a blank frame


def _back_to_the_studio(page: Page, job_id: str) -> None:
    """The conversation is still there, and lists what it rendered."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Studio").click()
    renders = page.locator(".renders li", has=page.locator(f"a[href='/jobs/{job_id}']"))
    expect(renders).to_contain_text("Done")
    expect(page.locator(".msg-user")).to_have_count(4)  # photo, two edits, storyboard
    expect(page.get_by_label("Call to action")).to_have_value("Shop the gold edition")


def _gallery(page: Page, job_id: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Videos").click()
    expect(page.get_by_role("heading", name="Videos", level=1)).to_be_visible()
    card = page.locator(".job-card", has=page.locator(f"a[href='/jobs/{job_id}']"))
    expect(card).to_contain_text("Done")
    expect(card.locator("video")).to_have_count(1)  # a player per card, formats to switch
    expect(card.get_by_role("link", name="1:1 MP4")).to_have_attribute("download", "video_1x1.mp4")
    capture(page, "07-gallery")


def _approval(page: Page, base: str, key: str) -> None:
    body = {
        "content": "AURUM Eau de Parfum, amber and vanilla. Shop now",
        "reference_image_b64": base64.b64encode(PHOTO.read_bytes()).decode(),
        "duration_s": 6,
        "aspect_ratios": ["1:1"],
        "approve_plan": True,
    }
    headers = {"X-API-Key": key}
    made = httpx.post(
        f"{base}/api/v1/video/generate-promo-video", json=body, headers=headers, timeout=60
    )
    assert made.status_code == 202, made.text
    job_id = made.json()["job_id"]
    page.goto(f"{base}/jobs/{job_id}")
    expect(page.get_by_role("heading", name="Plan waiting for your approval")).to_be_visible(
        timeout=120_000
    )
    expect(page.locator(".storyboard")).to_be_visible()
    capture(page, "08-job-awaiting-approval")
    first_board = page.locator(".storyboard").get_attribute("src")
    # Revise, by keyboard: the instruction field, then Enter. The plan is made again and
    # waits again, with the instruction listed and a new storyboard.
    field = page.get_by_label("What should change in the plan?")
    field.focus()
    page.keyboard.type("square and vertical, a bit longer")
    page.keyboard.press("Enter")
    expect(page.locator(".revisions li")).to_have_text(
        ["square and vertical, a bit longer"], timeout=120_000
    )
    expect(page.locator(".storyboard")).to_be_visible()
    assert page.locator(".storyboard").get_attribute("src") != first_board
    capture(page, "08b-job-revised")
    plan = httpx.get(f"{base}/api/v1/jobs/{job_id}", headers=headers, timeout=30).json()
    assert plan["status"] == "awaiting_approval"
    page.get_by_role("button", name="Approve and render").click()
    expect(page.get_by_role("button", name="Approve and render")).to_have_count(0)
    page.get_by_role("button", name="Cancel job").click()
    expect(page.locator(".badge").first).to_have_text("Cancelled", timeout=60_000)
    status = httpx.get(f"{base}/api/v1/jobs/{job_id}", headers=headers, timeout=30).json()
    assert status["status"] == "cancelled"


def _remix(page: Page, base: str, key: str, parent: str) -> None:
    """From the gallery: remix the video, then stop the new job (a render is not needed)."""
    card = page.locator(".job-card", has=page.locator(f"a[href='/jobs/{parent}']"))
    card.get_by_role("link", name="Remix").click()
    prompt = page.get_by_label("What should change?")
    expect(prompt).to_be_focused()
    prompt.fill("make it cooler")
    page.get_by_role("button", name="Remix").click()
    expect(page.get_by_role("button", name="Cancel job")).to_be_visible()
    child = page.url.rsplit("/", 1)[-1]
    assert child != parent
    page.get_by_role("button", name="Cancel job").click()
    expect(page.locator(".badge").first).to_have_text("Cancelled", timeout=60_000)
    status = httpx.get(f"{base}/api/v1/jobs/{child}", headers={"X-API-Key": key}, timeout=30)
    assert status.json()["parent_id"] == parent


def _shot_revise(page: Page, base: str, key: str, parent: str) -> None:
    """From the gallery: make shot 2 of the video again; the new job is linked, and
    stopped (its render is not needed)."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Videos").click()
    card = page.locator(".job-card", has=page.locator(f"a[href='/jobs/{parent}']"))
    card.get_by_role("link", name="Revise a shot").click()
    shot = page.get_by_label("Shot", exact=True)
    expect(shot).to_be_focused()
    shot.select_option("2")
    page.get_by_label("What should change in this shot?").fill("closer on the cap")
    page.get_by_role("button", name="Re-make this shot").click()
    link = page.get_by_role("link", name="open the new job")
    expect(link).to_be_visible()
    # The jobs made from this video: the remix, then this revise.
    expect(page.locator(".children li")).to_have_count(2)
    capture(page, "07b-shot-revised")
    link.click()
    expect(page.get_by_role("button", name="Cancel job")).to_be_visible()
    child = page.url.rsplit("/", 1)[-1]
    assert child != parent
    expect(page.locator(".facts")).to_contain_text(parent)  # "Made from" the parent
    page.get_by_role("button", name="Cancel job").click()
    expect(page.locator(".badge").first).to_have_text("Cancelled", timeout=60_000)
    status = httpx.get(f"{base}/api/v1/jobs/{child}", headers={"X-API-Key": key}, timeout=30)
    assert status.json()["parent_id"] == parent


def _under_its_own_csp(browser: Browser, base: str, key: str, job_id: str) -> None:
    """The rest of the test bypasses the page's Content-Security-Policy (for Playwright's
    evaluations and axe): here the studio and a finished job run under it, unviolated."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))
    page.goto(f"{base}/login")
    page.get_by_label("API key").fill(key)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()  # the agent client runs
    page.goto(f"{base}/jobs/{job_id}")
    expect(page.get_by_role("heading", name="QA report")).to_be_visible()
    expect(page.locator("video[data-aspect='1:1']")).to_be_visible()
    page.goto(f"{base}/jobs")
    expect(page.locator(".job-card").first).to_be_visible()
    context.close()
    assert not violations, violations


def test_studio_from_empty_page_to_downloaded_mp4(
    tmp_path: Path, aistudio_cmd: list[str], cli_env: dict[str, str]
) -> None:
    require_browser()
    fresh_screenshots()
    data = tmp_path / "data"
    data.mkdir()
    key = _api_key(aistudio_cmd, cli_env, data)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with serving(aistudio_cmd, cli_env, data, port), chromium() as browser:
        # bypass_csp: Playwright's own evaluations and the axe script (the page needs neither).
        context = browser.new_context(viewport=DESKTOP, bypass_csp=True, accept_downloads=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.set_default_timeout(30_000)
        _sign_in(page, base, key)
        _keyboard_basics(page)
        _brief_in_chat(page, base, key)
        _preview(page)
        job_id = _render_and_watch(page)
        _play_and_download(page, tmp_path)
        _back_to_the_studio(page, job_id)
        _gallery(page, job_id)
        _remix(page, base, key, job_id)
        _shot_revise(page, base, key, job_id)
        _approval(page, base, key)
        context.close()
        assert not errors, errors
        _under_its_own_csp(browser, base, key, job_id)
