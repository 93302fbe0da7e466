"""POST /video/remix-video: a child job of the caller's own job, with the instruction."""

from __future__ import annotations

from tests.server.conftest import BRIEF, AppFactory, finished, new_key, promo_body
from tests.server.test_api_errors import assert_problem

PROMO = "/api/v1/video/generate-promo-video"
REMIX = "/api/v1/video/remix-video"


async def test_remix_makes_a_linked_child_with_the_instruction(open_app: AppFactory) -> None:
    async with open_app() as client:
        headers = await new_key(client, "acme")
        body = promo_body(seed=7, user_id="u-1", max_cost_usd=3)
        parent_id = (await client.post(PROMO, json=body, headers=headers)).json()["job_id"]
        response = await client.post(
            REMIX,
            headers=headers,
            json={"video_id": parent_id, "prompt": "Make it warmer, golden hour light"},
        )
        assert response.status_code == 202, response.text
        child_id = response.json()["job_id"]
        assert response.json()["status"] == "queued" and child_id != parent_id
        assert response.headers["location"] == f"/api/v1/jobs/{child_id}"

        child = await finished(client, child_id, headers)
        assert child["status"] == "completed_with_warnings", child
        assert child["parent_id"] == parent_id and child["kind"] == "promo"
        assert child["user_content"] == f"{BRIEF}\nMake it warmer, golden hour light"
        assert child["user_id"] == "u-1"
        status = (await client.get(f"/api/v1/video/status/{child_id}", headers=headers)).json()
        assert status["parent_id"] == parent_id and status["video_url"]

        parent = await finished(client, parent_id, headers)
        assert parent["parent_id"] is None
        row = await client.app.state.store.get(child_id)
        assert row.request["seed"] not in (0, 7)  # a new take, same options otherwise
        assert row.request["duration_s"] == 6 and row.request["max_cost_usd"] == 3
        assert row.reference == (await client.app.state.store.get(parent_id)).reference


async def test_remix_of_another_tenants_job_is_404(open_app: AppFactory) -> None:
    async with open_app(compose_delay_s=60) as client:
        alice, bob = await new_key(client, "alice"), await new_key(client, "bob")
        job_id = (await client.post(PROMO, json=promo_body(), headers=alice)).json()["job_id"]
        remix = {"video_id": job_id, "prompt": "in blue"}
        assert_problem(await client.post(REMIX, json=remix, headers=bob), 404, "not-found")
        missing = {"video_id": "promo-20260101-000000000000", "prompt": "in blue"}
        assert_problem(await client.post(REMIX, json=missing, headers=alice), 404, "not-found")
        assert (await client.get("/api/v1/jobs", headers=bob)).json()["items"] == []
        await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=alice)


async def test_bad_remix_bodies_are_problems(open_app: AppFactory) -> None:
    async with open_app(dev_mode=True, compose_delay_s=60) as client:
        job_id = (await client.post(PROMO, json=promo_body())).json()["job_id"]
        for body in (
            {"video_id": job_id},
            {"video_id": job_id, "prompt": ""},
            {"prompt": "in blue"},
            {"video_id": "", "prompt": "in blue"},
        ):
            assert_problem(await client.post(REMIX, json=body), 400, "validation-error")
        long_brief = {"video_id": job_id, "prompt": "x" * 1990}
        parent = await client.app.state.store.get(job_id)
        await client.app.state.store.update(job_id, user_content="y" * 3000)
        problem = assert_problem(await client.post(REMIX, json=long_brief), 422, "invalid-input")
        assert "at most 4000" in problem["detail"]
        await client.app.state.store.update(job_id, user_content=parent.user_content)
        assert len((await client.get("/api/v1/jobs")).json()["items"]) == 1
        await client.post(f"/api/v1/jobs/{job_id}/cancel")


async def test_remix_with_an_idempotency_key_is_made_once(open_app: AppFactory) -> None:
    async with open_app(compose_delay_s=60) as client:
        headers = await new_key(client, "acme")
        parent_id = (await client.post(PROMO, json=promo_body(), headers=headers)).json()["job_id"]
        keyed = {**headers, "Idempotency-Key": "remix-1"}
        body = {"video_id": parent_id, "prompt": "in blue"}
        first = await client.post(REMIX, json=body, headers=keyed)
        again = await client.post(REMIX, json=body, headers=keyed)
        assert first.status_code == again.status_code == 202
        assert first.json()["job_id"] == again.json()["job_id"]  # the same child, seed and all
        assert again.headers["idempotent-replayed"] == "true"
        other = await client.post(REMIX, json={**body, "prompt": "in red"}, headers=keyed)
        assert_problem(other, 409, "conflict")
        fresh = await client.post(REMIX, json=body, headers=headers)  # no key: a new take
        assert fresh.json()["job_id"] not in (first.json()["job_id"], parent_id)
        for job_id in (parent_id, first.json()["job_id"], fresh.json()["job_id"]):
            await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
