"""POST /quote: plan, storyboard and cost with the submission's validation, and no render."""

from __future__ import annotations

import io

from PIL import Image

from tests.server.conftest import BRIEF, AppFactory, new_key, promo_body, wait_for
from tests.server.test_api_budget import video_of
from tests.server.test_api_errors import assert_problem

QUOTE = "/api/v1/quote"
PROMO = "/api/v1/video/generate-promo-video"


async def test_quote_plans_prices_and_draws_without_submitting(open_app: AppFactory) -> None:
    async with open_app() as client:
        headers = await new_key(client, "acme")
        video = video_of(client)
        video.price = 0.25
        response = await client.post(
            QUOTE, json=promo_body(kind="fashion", max_cost_usd=0.5), headers=headers
        )
        assert response.status_code == 200, response.text
        quote = response.json()
        assert quote["kind"] == "fashion" and quote["provider"] == "instant"
        plan = quote["plan"]
        assert plan["title"] and plan["aspect_ratios"] == ["1:1"] and plan["duration_s"] == 6
        assert plan["shots"] and all(shot["prompt"] for shot in plan["shots"])
        assert quote["plan_qa"]["passed"] is True
        cost = quote["cost"]
        assert [line["shot_index"] for line in cost["lines"]] == [
            shot["index"] for shot in plan["shots"]
        ]
        assert cost["total_usd"] == 0.25 * len(plan["shots"]) and cost["complete"] is True
        assert cost["budget_usd"] == 0.5 and cost["within_budget"] is False

        assert video.submitted == []  # a quote never submits a (paid) render
        assert (await client.get("/api/v1/jobs", headers=headers)).json()["items"] == []

        board = quote["storyboard"]
        assert board["name"] == "storyboard.png" and board["mime"] == "image/png"
        signed = board["url"].removeprefix("http://127.0.0.1:8000")
        fetched = await client.get(signed)  # no key: the signature is the credential
        assert fetched.status_code == 200, fetched.text
        with Image.open(io.BytesIO(fetched.content)) as image:
            assert image.format == "PNG" and image.width > 100
        assert (await client.get(signed.replace("sig=", "sig=x"))).status_code == 404
        other = signed.replace(quote["quote_id"], "quote-20260101-000000000000")
        assert (await client.get(other)).status_code == 404


async def test_unknown_prices_make_an_incomplete_quote(open_app: AppFactory) -> None:
    async with open_app(dev_mode=True) as client:
        video_of(client).price = None
        response = await client.post(QUOTE, json=promo_body())
        assert response.status_code == 200, response.text
        cost = response.json()["cost"]
        assert cost["complete"] is False and cost["unknown_models"] == ["cutout"]
        assert cost["total_usd"] == 0 and all(line["price_usd"] is None for line in cost["lines"])
        assert cost["budget_usd"] is None and cost["within_budget"] is None
        assert response.json()["kind"] == "promo"


async def test_quote_validates_like_a_submission(open_app: AppFactory) -> None:
    async with open_app() as client:
        headers = await new_key(client, "acme")
        cases = [
            ({"content": BRIEF, "reference_image_b64": ""}, 422, "invalid-input"),
            ({"content": BRIEF, "reference_image_url": "http://10.0.0.1/a.png"}, 422, "unsafe-url"),
            (promo_body(kind="documentary"), 400, "validation-error"),
            (promo_body(max_cost_usd=-1), 400, "validation-error"),
            (
                {"content": BRIEF, "reference_image_b64": "aGVsbG8gd29ybGQ="},
                415,
                "unsupported-media",
            ),
        ]
        for body, status, slug in cases:
            assert_problem(await client.post(QUOTE, json=body, headers=headers), status, slug)
        assert_problem(await client.post(QUOTE, json=promo_body()), 401, "unauthorized")
        assert video_of(client).submitted == []


async def test_quote_is_rate_limited(open_app: AppFactory) -> None:
    async with open_app(rate_per_s=0.01, burst=1) as client:
        headers = await new_key(client, "acme")
        body = {"content": BRIEF, "reference_image_b64": ""}
        assert_problem(await client.post(QUOTE, json=body, headers=headers), 422, "invalid-input")
        limited = assert_problem(
            await client.post(QUOTE, json=body, headers=headers), 429, "rate-limited"
        )
        assert limited["status"] == 429


async def test_plan_qa_warnings_show_in_the_quote_and_the_job(open_app: AppFactory) -> None:
    """The photo's label reads AURUM, the brief names another brand: plan QA passes (a
    person must judge that) and both the quote and the job say so."""
    other_brand = BRIEF.replace("AURUM", "NOCTIS")
    async with open_app() as client:
        headers = await new_key(client, "acme")
        quote = await client.post(QUOTE, json=promo_body(content=other_brand), headers=headers)
        assert quote.status_code == 200, quote.text
        stage = quote.json()["plan_qa"]
        assert stage["passed"] is True and stage["violations"] == []
        (warning,) = stage["warnings"]
        assert "AURUM" in warning and "NOCTIS" in warning

        body = promo_body(content=other_brand, approve_plan=True)
        job_id = (await client.post(PROMO, json=body, headers=headers)).json()["job_id"]
        job = await wait_for(client, job_id, headers, lambda j: j["status"] == "awaiting_approval")
        assert job["qa"]["plan"]["passed"] is True and job["qa"]["plan"]["warnings"] == [warning]
        status = (await client.get(f"/api/v1/video/status/{job_id}", headers=headers)).json()
        assert status["qa"]["plan"]["warnings"] == [warning]
        await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)

        # The brief that names the label's brand has nothing to check.
        same = await client.post(QUOTE, json=promo_body(), headers=headers)
        assert same.json()["plan_qa"]["warnings"] == []
