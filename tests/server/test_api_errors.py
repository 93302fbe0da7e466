"""Every bad input is a 4xx problem document (RFC 9457), never a 500."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.server.conftest import BRIEF, AppFactory, new_key, promo_body

PROMO = "/api/v1/video/generate-promo-video"
PROBLEM = "https://aistudio.dev/problems/"


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM + slug, body
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["instance"] == response.request.url.path
    return body


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/photo.png",
        "http://10.0.0.1/photo.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/photo.png",
        "http://0x7f000001/photo.png",
        "file:///etc/passwd",
    ],
)
async def test_private_reference_urls_are_refused(open_app: AppFactory, url: str) -> None:
    async with open_app(dev_mode=True) as client:
        body = {"content": BRIEF, "reference_image_url": url, "reference_image_b64": ""}
        problem = assert_problem(await client.post(PROMO, json=body), 422, "unsafe-url")
        assert "reference_image_url" in problem["detail"]
        assert (await client.get("/api/v1/jobs")).json()["items"] == []


async def test_private_webhook_url_is_refused(open_app: AppFactory) -> None:
    async with open_app(dev_mode=True) as client:
        response = await client.post(PROMO, json=promo_body(webhook_url="http://10.1.2.3/hook"))
        assert_problem(response, 422, "unsafe-url")


async def test_oversized_body_is_413(open_app: AppFactory) -> None:
    async with open_app(dev_mode=True, max_body_bytes=200_000) as client:
        body = {"content": BRIEF, "reference_image_b64": "A" * 300_000}
        assert_problem(await client.post(PROMO, json=body), 413, "payload-too-large")


async def test_oversized_base64_image_is_413(open_app: AppFactory) -> None:
    async with open_app(dev_mode=True, max_image_b64_bytes=1000) as client:
        response = await client.post(PROMO, json=promo_body())
        assert_problem(response, 413, "media-too-large")


@pytest.mark.parametrize(
    ("b64", "status", "slug"),
    [
        ("not base64 at all!!", 422, "invalid-input"),
        (base64.b64encode(b"just some text, not a picture").decode(), 415, "unsupported-media"),
        (base64.b64encode(b"%PDF-1.7 fake").decode(), 415, "unsupported-media"),
    ],
)
async def test_bad_images_are_refused_at_submit(
    open_app: AppFactory, b64: str, status: int, slug: str
) -> None:
    async with open_app(dev_mode=True) as client:
        response = await client.post(PROMO, json={"content": BRIEF, "reference_image_b64": b64})
        assert_problem(response, status, slug)


async def test_missing_image_and_both_images_are_422(open_app: AppFactory) -> None:
    async with open_app(dev_mode=True) as client:
        none = await client.post(PROMO, json={"content": BRIEF, "reference_image_b64": ""})
        assert_problem(none, 422, "invalid-input")
        both = await client.post(PROMO, json=promo_body(reference_image_url="https://x.test/a.png"))
        assert_problem(both, 422, "invalid-input")


@pytest.mark.parametrize(
    "body",
    [
        {"reference_image_b64": "x"},  # no content
        {"content": "ok", "reference_image_b64": "x"},  # content too short
        {"content": BRIEF, "duration_s": 500},
        {"content": BRIEF, "aspect_ratios": ["4:3"]},
        {"content": BRIEF, "voice_over": "maybe"},
        ["not", "an", "object"],
    ],
)
async def test_invalid_fields_are_400_with_the_field_named(open_app: AppFactory, body: Any) -> None:
    async with open_app(dev_mode=True) as client:
        response = await client.post(PROMO, json=body)
        problem = assert_problem(response, 400, "validation-error")
        assert problem["errors"], problem


async def test_malformed_json_is_a_4xx_problem(open_app: AppFactory) -> None:
    async with open_app(dev_mode=True) as client:
        response = await client.post(
            PROMO, content=b"{not json", headers={"content-type": "application/json"}
        )
        assert 400 <= response.status_code < 500
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_api_key_is_required_and_checked(open_app: AppFactory) -> None:
    async with open_app() as client:
        assert_problem(await client.get("/api/v1/jobs"), 401, "unauthorized")
        bad = {"Authorization": "Bearer ais_0123456789abcdef_wrongwrongwrongwrongwrong"}
        assert_problem(await client.get("/api/v1/jobs", headers=bad), 401, "unauthorized")
        assert_problem(
            await client.get("/api/v1/jobs", headers={"Authorization": "Basic x"}),
            401,
            "unauthorized",
        )
        good = await new_key(client, "acme")
        assert (await client.get("/api/v1/jobs", headers=good)).status_code == 200
        x_api_key = {"X-API-Key": good["Authorization"].removeprefix("Bearer ")}
        assert (await client.get("/api/v1/jobs", headers=x_api_key)).status_code == 200


async def test_rate_limit_is_429_with_retry_after(open_app: AppFactory) -> None:
    async with open_app(rate_per_s=0.5, burst=3) as client:
        headers = await new_key(client, "acme")
        codes = [(await client.get("/api/v1/jobs", headers=headers)).status_code for _ in range(4)]
        assert codes[:3] == [200, 200, 200]
        limited = await client.get("/api/v1/jobs", headers=headers)
        assert_problem(limited, 429, "rate-limited")
        assert int(limited.headers["retry-after"]) >= 1
        other = await new_key(client, "other")  # buckets are per key
        assert (await client.get("/api/v1/jobs", headers=other)).status_code == 200


async def test_unknown_job_route_and_method_are_problems(open_app: AppFactory) -> None:
    async with open_app(dev_mode=True) as client:
        assert_problem(await client.get("/api/v1/jobs/nope"), 404, "not-found")
        assert_problem(await client.get("/api/v1/nowhere"), 404, "not-found")
        assert_problem(await client.delete("/api/v1/jobs"), 405, "method-not-allowed")
        assert_problem(await client.get("/api/v1/jobs?limit=0"), 400, "validation-error")
        assert_problem(await client.get("/api/v1/jobs?cursor=%%%"), 422, "invalid-input")


async def test_request_id_is_honoured_or_made(open_app: AppFactory) -> None:
    async with open_app(dev_mode=True) as client:
        mine = await client.get("/health", headers={"X-Request-ID": "req-123"})
        assert mine.headers["x-request-id"] == "req-123"
        made = await client.get("/health", headers={"X-Request-ID": "bad id with spaces"})
        assert made.headers["x-request-id"] and made.headers["x-request-id"] != "bad id"
        problem = await client.get("/api/v1/jobs/nope", headers={"X-Request-ID": "req-9"})
        assert problem.headers["x-request-id"] == "req-9"
        assert problem.json()["request_id"] == "req-9"


async def test_health_ready_and_openapi(open_app: AppFactory) -> None:
    async with open_app() as client:
        assert (await client.get("/health")).json()["status"] == "ok"
        ready = await client.get("/ready")
        assert ready.status_code == 200 and ready.json()["checks"] == {
            "database": "ok",
            "ffmpeg": "ok",
        }
        schema = (await client.get("/api/v1/docs/openapi.json")).json()
        assert PROMO in schema["paths"] and "/api/v1/jobs/{job_id}/events" in schema["paths"]
        assert (await client.get("/api/v1/docs")).status_code == 200


async def test_internal_errors_are_opaque_500_problems(open_app: AppFactory) -> None:
    async with open_app(dev_mode=True) as client:

        def explode(*_args: Any, **_kwargs: Any) -> Any:
            raise RuntimeError("secret internal detail /etc/passwd")

        service = client.app.state.service
        service.store.list = explode
        response = await client.get("/api/v1/jobs")
        body = assert_problem(response, 500, "internal-error")
        assert "secret" not in response.text and "RuntimeError" not in response.text
        assert body["request_id"]
