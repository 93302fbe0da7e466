"""`approve_plan`: the job pauses after plan QA (nothing submitted), shows its plan and
storyboard, and goes on when approved; cancel still works, and a restart keeps it waiting."""

from __future__ import annotations

import asyncio
import json

from tests.server.conftest import AppFactory, finished, new_key, promo_body, sse_events, wait_for
from tests.server.test_api_budget import video_of
from tests.server.test_api_errors import assert_problem

PROMO = "/api/v1/video/generate-promo-video"


def waiting(job: dict[str, object]) -> bool:
    return job["status"] == "awaiting_approval"


async def test_job_waits_for_approval_then_renders(open_app: AppFactory) -> None:
    async with open_app() as client:
        alice, bob = await new_key(client, "alice"), await new_key(client, "bob")
        body = promo_body(approve_plan=True)
        job_id = (await client.post(PROMO, json=body, headers=alice)).json()["job_id"]
        job = await wait_for(client, job_id, alice, waiting)
        assert job["stage"] == "awaiting_approval" and job["title"]
        assert job["qa"]["plan"]["passed"] is True and job["finished_at"] is None
        assert {a["name"] for a in job["assets"]} == {"storyboard.png", "plan.json"}
        assert video_of(client).submitted == []  # nothing rendered (or paid) before approval
        plan_link = next(a["url"] for a in job["assets"] if a["name"] == "plan.json")
        plan = (await client.get(plan_link.removeprefix("http://127.0.0.1:8000"))).json()
        assert plan["plan"]["shots"] and plan["brief"]["approve_plan"] is True
        listed = await client.get("/api/v1/jobs?status=awaiting_approval", headers=alice)
        assert [j["id"] for j in listed.json()["items"]] == [job_id]

        approve = f"/api/v1/jobs/{job_id}/approve"
        assert_problem(await client.post(approve, headers=bob), 404, "not-found")
        response = await client.post(approve, headers=alice)
        assert response.status_code == 200, response.text
        assert response.json()["status"] in ("queued", "running")
        done = await finished(client, job_id, alice)
        assert done["status"] == "completed_with_warnings", done
        assert "video_1x1.mp4" in {a["name"] for a in done["assets"]}
        assert video_of(client).submitted
        assert_problem(await client.post(approve, headers=alice), 409, "conflict")

        kinds = [
            e["event"]
            for e in sse_events(
                (await client.get(f"/api/v1/jobs/{job_id}/events", headers=alice)).text
            )
        ]
        assert kinds.index("job_awaiting_approval") < kinds.index("job_approved")
        assert kinds.count("job_paused") == 1 and kinds[-1] == "job_result"


async def test_cancel_while_waiting_and_approve_of_a_running_job(open_app: AppFactory) -> None:
    async with open_app(compose_delay_s=60) as client:
        headers = await new_key(client, "acme")
        job_id = (
            await client.post(PROMO, json=promo_body(approve_plan=True), headers=headers)
        ).json()["job_id"]
        await wait_for(client, job_id, headers, waiting)
        response = await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
        assert_problem(
            await client.post(f"/api/v1/jobs/{job_id}/approve", headers=headers), 409, "conflict"
        )
        events = sse_events(
            (await client.get(f"/api/v1/jobs/{job_id}/events", headers=headers)).text
        )
        assert json.loads(events[-1]["data"])["status"] == "cancelled"

        plain = (await client.post(PROMO, json=promo_body(), headers=headers)).json()["job_id"]
        await wait_for(client, plain, headers, lambda job: job["stage"] == "compose")
        assert_problem(
            await client.post(f"/api/v1/jobs/{plain}/approve", headers=headers), 409, "conflict"
        )
        await client.post(f"/api/v1/jobs/{plain}/cancel", headers=headers)
        assert video_of(client).submitted and all(
            s.startswith(plain) for s in video_of(client).submitted
        )


async def test_a_restart_keeps_the_job_waiting(open_app: AppFactory) -> None:
    async with open_app() as client:
        headers = await new_key(client, "acme")
        job_id = (
            await client.post(PROMO, json=promo_body(approve_plan=True), headers=headers)
        ).json()["job_id"]
        await wait_for(client, job_id, headers, waiting)
    async with open_app() as client:  # same data folder: a restarted server
        headers = await new_key(client, "acme")
        await asyncio.sleep(1.0)  # a resumed job would be running by now
        job = (await client.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
        assert waiting(job) and video_of(client).submitted == []
        # As if the process had died after the graph paused but before the row said so:
        # the restart resumes it as running, and it must pause again, not render.
        await client.app.state.store.update(job_id, status="running", stage="render_submit")
    async with open_app() as client:
        headers = await new_key(client, "acme")
        job = await wait_for(client, job_id, headers, waiting)
        assert job["stage"] == "awaiting_approval" and video_of(client).submitted == []
        response = await client.post(f"/api/v1/jobs/{job_id}/approve", headers=headers)
        assert response.status_code == 200, response.text
        done = await finished(client, job_id, headers)
        assert done["status"] == "completed_with_warnings", done
        assert video_of(client).submitted
