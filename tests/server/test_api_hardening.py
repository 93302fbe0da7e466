"""Regressions of a probe of the running API (issue 11, item 7): each answers a 4xx problem
document, never a 500, a traceback in the log, or a job that fails later."""

from __future__ import annotations

import base64
import io
import logging
import re
import struct
import zlib
from typing import Any

import pytest
from PIL import Image

from tests.conftest import sample
from tests.server.conftest import BRIEF, AppFactory, Client, new_key, promo_body
from tests.server.test_api_errors import PROMO, assert_problem

QUOTE = "/api/v1/quote"
REFINE = "/api/v1/generation/refine"
REMIX = "/api/v1/video/remix-video"
DEEP_JSON = b"[" * 1000 + b"]" * 1000
# A valid body of every JSON route (the NUL test below fails for a route missing here).
VALID_BODIES: dict[str, dict[str, Any]] = {
    PROMO: promo_body(),
    "/api/v1/video/generate-fashion-video": promo_body(),
    "/api/v1/video/generate-ugc-video": promo_body(),
    QUOTE: promo_body(kind="promo"),
    REFINE: {"content": BRIEF, "image_link": "https://shop.example/aurum.png"},
    REMIX: {"video_id": "promo-20260101-000000000000", "prompt": "make it blue"},
}


def _filled(path: str, integers: set[str]) -> str:
    """`path` with a value each parameter's type admits (a shot number is an integer)."""
    parts = re.split(r"\{(\w+)\}", path)
    return "".join(
        ("1" if part in integers else "an-id") if k % 2 else part for k, part in enumerate(parts)
    )


async def _json_routes(client: Client) -> list[tuple[str, str]]:
    """(method, path) of every operation that takes a JSON body (path ids filled in)."""
    schema = (await client.get("/api/v1/docs/openapi.json")).json()
    routes = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                integers = {
                    p["name"]
                    for p in operation.get("parameters", [])
                    if p.get("in") == "path" and p.get("schema", {}).get("type") == "integer"
                }
                routes.append((method.upper(), _filled(path, integers)))
    assert len(routes) >= 6, routes
    return routes


def _errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# -- deep JSON and authentication before the body -------------------------------------
async def test_deep_json_is_a_400_on_every_json_route_and_logs_nothing(
    open_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    json_type = {"content-type": "application/json"}
    async with open_app() as client:
        key = await new_key(client, "acme")
        for method, route in await _json_routes(client):
            anonymous = await client.request(method, route, content=DEEP_JSON, headers=json_type)
            assert_problem(anonymous, 401, "unauthorized")
            keyed = await client.request(
                method, route, content=DEEP_JSON, headers={**json_type, **key}
            )
            assert "nested too deeply" in assert_problem(keyed, 400, "bad-request")["detail"]
    assert _errors_logged(caplog) == []


async def test_no_key_is_401_before_any_of_the_body_is_read(open_app: AppFactory) -> None:
    json_type = {"content-type": "application/json"}
    async with open_app(max_body_bytes=10_000) as client:
        key = await new_key(client, "acme")
        bodies = [b'{"content": "trunc', b"\xff\xfe not even text", b"x" * 50_000]
        for body in bodies:
            response = await client.post(PROMO, content=body, headers=json_type)
            assert_problem(response, 401, "unauthorized")  # not 400, not 413
        # With a key, the same bodies are read and refused for what they are.
        truncated = await client.post(PROMO, content=bodies[0], headers={**json_type, **key})
        assert_problem(truncated, 400, "bad-request")
        too_big = await client.post(PROMO, content=bodies[2], headers={**json_type, **key})
        assert_problem(too_big, 413, "payload-too-large")


async def test_failed_authentications_are_rate_limited_per_address(
    open_app: AppFactory,
) -> None:
    async with open_app(auth_failure_burst=3, auth_failure_rate_per_s=0.01) as client:
        good = await new_key(client, "acme")
        store = client.app.state.store
        lookups: list[str] = []
        original = store.api_key

        async def counted(key_id: str) -> Any:
            lookups.append(key_id)
            return await original(key_id)

        store.api_key = counted
        wrong = {"Authorization": "Bearer ais_0123456789abcdef_wrongwrongwrongwrongwrong"}
        for _ in range(3):
            assert_problem(await client.get("/api/v1/jobs", headers=wrong), 401, "unauthorized")
        assert len(lookups) == 3
        limited = await client.get("/api/v1/jobs", headers=wrong)
        assert "failed authentications" in assert_problem(limited, 429, "rate-limited")["detail"]
        assert int(limited.headers["retry-after"]) >= 1
        # Refused without a lookup, even for a good key, until the bucket refills.
        assert_problem(await client.get("/api/v1/jobs", headers=good), 429, "rate-limited")
        assert len(lookups) == 3
        # A request without any key costs no lookup and is not counted: still a 401.
        assert_problem(await client.get("/api/v1/jobs"), 401, "unauthorized")


# -- images that only start like one ----------------------------------------------------
def _png_bomb() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )


def _jpeg_bomb() -> bytes:
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 30_000, 30_000, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + sof + b"\xff\xd9"


def _webp_bomb() -> bytes:
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00" * 4 + (29_999).to_bytes(3, "little") * 2
    return b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x


def _encoded(fmt: str) -> bytes:
    buffer = io.BytesIO()
    with Image.open(sample("aurum-perfume.png")) as photo:
        photo.convert("RGB").save(buffer, format=fmt)
    return buffer.getvalue()


HTML = b"<html><body><script>alert(1)</script></body></html>" * 4
PNG_MAGIC, JPEG_MAGIC = b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"
BAD_IMAGES = {
    "png-bomb": (_png_bomb, 413, "media-too-large"),
    "jpeg-bomb": (_jpeg_bomb, 413, "media-too-large"),
    "webp-bomb": (_webp_bomb, 413, "media-too-large"),
    "png-truncated": (
        lambda: sample("aurum-perfume.png").read_bytes()[:200_000],
        422,
        "invalid-input",
    ),
    "jpeg-truncated": (lambda: _encoded("JPEG")[:-2_000], 422, "invalid-input"),
    "webp-truncated": (lambda: _encoded("WEBP")[:-2_000], 422, "invalid-input"),
    "png-then-html": (lambda: PNG_MAGIC + HTML, 422, "invalid-input"),
    "jpeg-then-html": (lambda: JPEG_MAGIC + HTML, 422, "invalid-input"),
    "webp-then-html": (lambda: b"RIFF\x00\x01\x00\x00WEBP" + HTML, 422, "invalid-input"),
}


@pytest.mark.parametrize("case", sorted(BAD_IMAGES))
async def test_bad_images_are_refused_before_a_job_exists(
    open_app: AppFactory, db_url: str, case: str
) -> None:
    make, status, slug = BAD_IMAGES[case]
    photo = base64.b64encode(make()).decode()
    async with open_app(dev_mode=True, database_url=db_url) as client:
        for route in (PROMO, QUOTE):
            response = await client.post(route, json=promo_body(reference_image_b64=photo))
            assert_problem(response, status, slug)
        assert (await client.get("/api/v1/jobs")).json()["items"] == []
        stored = client.app.state.settings.storage_dir / "objects" / "reference"
        assert not stored.exists() or not any(path.is_file() for path in stored.rglob("*"))


async def test_whole_jpeg_and_webp_photos_are_accepted(open_app: AppFactory) -> None:
    async with open_app(dev_mode=True) as client:
        for fmt in ("JPEG", "WEBP"):
            photo = base64.b64encode(_encoded(fmt)).decode()
            response = await client.post(PROMO, json=promo_body(reference_image_b64=photo))
            assert response.status_code == 202, response.text


# -- text: NUL characters, invisible briefs, duplicate aspect ratios, field names ------------
def _text_fields(schema: dict[str, Any], body_schema: dict[str, Any]) -> list[str]:
    if "$ref" in body_schema:
        body_schema = schema["components"]["schemas"][body_schema["$ref"].rsplit("/", 1)[1]]
    fields = []
    for name, prop in body_schema["properties"].items():
        kinds = [prop, *prop.get("anyOf", []), *prop.get("oneOf", [])]
        if any(kind.get("type") == "string" for kind in kinds):
            fields.append(name)
    return fields


async def test_nul_in_any_text_field_is_a_400_on_both_stores(
    open_app: AppFactory, db_url: str
) -> None:
    async with open_app(dev_mode=True, database_url=db_url) as client:
        schema = (await client.get("/api/v1/docs/openapi.json")).json()
        tried = 0
        for _, route in await _json_routes(client):
            if route not in VALID_BODIES:
                continue  # free-form bodies: see below
            operation = schema["paths"][route]["post"]
            body_schema = operation["requestBody"]["content"]["application/json"]["schema"]
            for field in _text_fields(schema, body_schema):
                body = {**VALID_BODIES[route], field: "AURUM\x00 perfume"}
                problem = assert_problem(
                    await client.post(route, json=body), 400, "validation-error"
                )
                assert problem["errors"][0]["field"] == field, problem
                tried += 1
        assert tried >= 20, tried  # 6 fields x 4 video routes, 2 + 2 for refine and remix
        # Whatever the route does with its body (the agent routes take free-form JSON),
        # a NUL anywhere in it is refused before the handler runs, its place named.
        nested = {"messages": [{"role": "user", "content": "hi\x00"}]}
        for method, route in await _json_routes(client):
            for body, where in ((nested, "messages[0].content"), ({"a\x00": 1}, "a\x00")):
                response = await client.request(method, route, json=body)
                problem = assert_problem(response, 400, "validation-error")
                assert problem["errors"][0]["field"] == where, (route, problem)
        job = "promo-2026%00-0"
        for url in (
            f"/api/v1/jobs/{job}",
            f"/api/v1/video/status/{job}",
            "/api/v1/jobs?cursor=a%00",
        ):
            assert_problem(await client.get(url), 400, "bad-request")
        nul_key = await client.post(PROMO, json=promo_body(), headers={"Idempotency-Key": "a\x00b"})
        assert_problem(nul_key, 400, "bad-request")
        assert (await client.get("/api/v1/jobs")).json()["items"] == []


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        (PROMO, promo_body(content="\u200b\u200b\u200b\u200b\u200b"), "content"),
        (PROMO, promo_body(content="\u200d\ufeff\u2060 \u00ad\u200e"), "content"),
        (QUOTE, promo_body(content="\u200b\u200c\u200dAB"), "content"),
        (REFINE, {**VALID_BODIES[REFINE], "content": "\u200b\u200b\u200b"}, "content"),
        (REMIX, {**VALID_BODIES[REMIX], "prompt": "\ufeff\ufeff\ufeff\ufeff"}, "prompt"),
        (PROMO, promo_body(aspect_ratios=["1:1", "1:1"]), "aspect_ratios"),
        (QUOTE, promo_body(aspect_ratios=["9:16", "1:1", "9:16"]), "aspect_ratios"),
    ],
)
async def test_invisible_text_and_duplicate_aspects_are_400(
    open_app: AppFactory, route: str, body: dict[str, Any], field: str
) -> None:
    async with open_app(dev_mode=True) as client:
        problem = assert_problem(await client.post(route, json=body), 400, "validation-error")
        assert problem["errors"][0]["field"] == field, problem


async def test_a_brief_with_some_visible_text_and_emoji_joiners_is_accepted(
    open_app: AppFactory,
) -> None:
    async with open_app(dev_mode=True) as client:
        family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji, joined by ZWJs
        response = await client.post(PROMO, json=promo_body(content=f"{family} AURUM gift"))
        assert response.status_code == 202, response.text


@pytest.mark.parametrize("link", ["http://127.0.0.1/x.png", "ftp://shop.example/a.png"])
async def test_refine_errors_name_image_link(open_app: AppFactory, link: str) -> None:
    async with open_app(dev_mode=True) as client:
        response = await client.post(REFINE, json={**VALID_BODIES[REFINE], "image_link": link})
        detail = assert_problem(response, 422, "unsafe-url")["detail"]
        assert "image_link" in detail and "reference_image" not in detail
