"""`max_cost_usd` on the video bodies: it reaches the brief, and the graph fails a job that
would pass it before anything is submitted."""

from __future__ import annotations

from tests.server.conftest import AppFactory, finished, new_key, promo_body
from tests.server.fakes import InstantVideo
from tests.server.test_api_errors import assert_problem

PROMO = "/api/v1/video/generate-promo-video"


def video_of(client: object) -> InstantVideo:
    video = client.app.state.service.toolbox.video  # type: ignore[attr-defined]
    assert isinstance(video, InstantVideo)
    return video


async def test_a_budget_is_accepted_and_a_render_within_it_runs(open_app: AppFactory) -> None:
    async with open_app() as client:
        headers = await new_key(client, "acme")
        response = await client.post(PROMO, json=promo_body(max_cost_usd=5), headers=headers)
        assert response.status_code == 202, response.text
        job = await finished(client, response.json()["job_id"], headers)
        assert job["status"] == "completed_with_warnings", job
        assert video_of(client).submitted  # the free fake render fits any budget


async def test_over_budget_fails_before_any_submission(open_app: AppFactory) -> None:
    async with open_app() as client:
        headers = await new_key(client, "acme")
        video = video_of(client)
        video.price = 1.0  # per shot: every plan has several shots, so > $0.50
        response = await client.post(PROMO, json=promo_body(max_cost_usd=0.5), headers=headers)
        assert response.status_code == 202, response.text
        job = await finished(client, response.json()["job_id"], headers)
        assert job["status"] == "failed", job
        assert "budget of $0.50" in job["error_message"]
        assert video.submitted == []


async def test_negative_or_non_numeric_budget_is_a_problem(open_app: AppFactory) -> None:
    async with open_app(dev_mode=True) as client:
        for value in (-1, "lots"):
            response = await client.post(PROMO, json=promo_body(max_cost_usd=value))
            body = assert_problem(response, 400, "validation-error")
            assert any("max_cost_usd" in (e["field"] or "") for e in body["errors"]), body
        assert (await client.get("/api/v1/jobs")).json()["items"] == []
