"""POST /generation/refine: refined prompt + the product in a new scene, from a fetched photo."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest
from PIL import Image

from tests.server.conftest import BRIEF, AppFactory, new_key
from tests.server.test_api_budget import video_of
from tests.server.test_api_errors import assert_problem
from tests.server.test_api_lifecycle import _Photo

REFINE = "/api/v1/generation/refine"


@pytest.fixture
def origin() -> Iterator[str]:
    """A loopback photo server (netloc); a thread of its own, as the client blocks the loop."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Photo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_refine_returns_a_prompt_and_a_scene(open_app: AppFactory, origin: str) -> None:
    async with open_app(fetch_allow_hosts=(origin,)) as client:
        headers = await new_key(client, "acme")
        body = {"content": BRIEF, "image_link": f"http://{origin}/aurum.png", "aspect_ratio": "1:1"}
        response = await client.post(REFINE, json=body, headers=headers)
        assert response.status_code == 200, response.text
        refined = response.json()
        assert "AURUM" in refined["refined_prompt"] and refined["title"]
        assert refined["image"]["mime"] == "image/png"
        assert refined["image_url"] == refined["image"]["url"]
        signed = refined["image_url"].removeprefix("http://127.0.0.1:8000")
        fetched = await client.get(signed)  # no key: the signature is the credential
        assert fetched.status_code == 200
        with Image.open(io.BytesIO(fetched.content)) as image:
            assert image.format == "PNG" and image.size == (1080, 1080)
        assert (await client.get(signed.replace("sig=", "sig=x"))).status_code == 404
        assert video_of(client).submitted == []
        assert (await client.get("/api/v1/jobs", headers=headers)).json()["items"] == []


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"content": BRIEF, "image_link": "http://127.0.0.1/a.png"}, 422, "unsafe-url"),
        ({"content": BRIEF, "image_link": "http://169.254.169.254/latest/"}, 422, "unsafe-url"),
        ({"content": BRIEF, "image_link": "file:///etc/passwd"}, 422, "unsafe-url"),
        ({"content": BRIEF}, 400, "validation-error"),
        ({"content": "", "image_link": "https://x.test/a.png"}, 400, "validation-error"),
        (
            {"content": BRIEF, "image_link": "https://x.test/a.png", "aspect_ratio": "4:3"},
            400,
            "validation-error",
        ),
    ],
)
async def test_bad_refine_input_is_a_problem(
    open_app: AppFactory, body: dict[str, str], status: int, slug: str
) -> None:
    async with open_app(dev_mode=True) as client:
        assert_problem(await client.post(REFINE, json=body), status, slug)


async def test_refine_needs_a_key(open_app: AppFactory) -> None:
    async with open_app() as client:
        body = {"content": BRIEF, "image_link": "https://x.test/a.png"}
        assert_problem(await client.post(REFINE, json=body), 401, "unauthorized")
