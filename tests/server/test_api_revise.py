"""Human in the loop on jobs: revise a plan waiting for approval (it plans again and waits
again, nothing rendered), and revise one shot of a finished job (a child job renders that
shot alone and reuses every other shot's clip)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aistudio.artifacts import ShotRender
from tests.fakes.asgi import serving_in_thread as serving
from tests.fakes.fal import FakeFal
from tests.server.conftest import (
    AppFactory,
    Client,
    finished,
    new_key,
    promo_body,
    sse_events,
    wait_for,
)
from tests.server.fakes import fast_toolbox
from tests.server.queue_fixtures import api, queue_settings, worker
from tests.server.test_api_approval import PROMO, waiting
from tests.server.test_api_budget import video_of
from tests.server.test_api_errors import assert_problem
from tests.server.test_api_providers import _app_on_fal


def store_of(client: Client) -> Any:
    return client.app.state.store


async def plan_document(client: Client, job: dict[str, Any]) -> dict[str, Any]:
    link = next(a["url"] for a in job["assets"] if a["name"] == "plan.json")
    document: dict[str, Any] = (await client.get(link.removeprefix("http://127.0.0.1:8000"))).json()
    return document


async def keys_of(client: Client, job_id: str) -> dict[str, str]:
    row = await store_of(client).get(job_id)
    return {name: record["key"] for name, record in (row.assets or {}).items()}


async def events_of(client: Client, job_id: str, headers: dict[str, str]) -> list[str]:
    text = (await client.get(f"/api/v1/jobs/{job_id}/events", headers=headers)).text
    return [e["event"] for e in sse_events(text)]


@pytest.mark.slow  # a whole job, and more than one plan or render
async def test_revised_twice_then_approved_renders_only_after_approval(
    open_app: AppFactory,
) -> None:
    async with open_app() as client:
        alice, bob = await new_key(client, "alice"), await new_key(client, "bob")
        job_id = (
            await client.post(PROMO, json=promo_body(approve_plan=True), headers=alice)
        ).json()["job_id"]
        job = await wait_for(client, job_id, alice, waiting)
        first = await plan_document(client, job)
        boards = [(await keys_of(client, job_id))["storyboard.png"]]
        revise = f"/api/v1/jobs/{job_id}/revise"

        assert_problem(
            await client.post(revise, json={"instruction": "x"}, headers=bob), 404, "not-found"
        )
        assert_problem(
            await client.post(revise, json={"instruction": "  "}, headers=alice),
            422,
            "invalid-input",
        )
        assert_problem(
            await client.post(revise, json={"instruction": "y" * 501}, headers=alice),
            422,
            "invalid-input",
        )
        rounds = (
            "a bit longer, warmer, CTA: Shop the drop",
            "add a voice-over that mentions free shipping, also vertical",
        )
        for instruction in rounds:
            response = await client.post(revise, json={"instruction": instruction}, headers=alice)
            assert response.status_code == 202, response.text
            assert response.json()["status"] in ("queued", "running")
            job = await wait_for(client, job_id, alice, waiting)
            boards.append((await keys_of(client, job_id))["storyboard.png"])
            assert video_of(client).submitted == []  # nothing rendered (or paid) yet

        plan = await plan_document(client, job)
        brief = plan["brief"]
        assert first["brief"]["duration_s"] == 6 and brief["duration_s"] == 8
        assert brief["vibe"] == "warm" and brief["voice_over"] is True
        assert brief["aspect_ratios"] == ["1:1", "9:16"]
        assert brief["text"].endswith("Shop the drop. Mention free shipping.")
        assert plan["plan"]["duration_s"] != first["plan"]["duration_s"]
        assert len(set(boards)) == 3  # a new storyboard for every plan
        row = await store_of(client).get(job_id)
        assert row.revision is None and row.stage == "awaiting_approval"

        response = await client.post(f"/api/v1/jobs/{job_id}/approve", headers=alice)
        assert response.status_code == 200, response.text
        done = await finished(client, job_id, alice)
        assert done["status"] in ("completed", "completed_with_warnings"), done
        assert {"video_1x1.mp4", "video_9x16.mp4"} <= {a["name"] for a in done["assets"]}
        assert video_of(client).submitted and all(
            s.startswith(job_id) for s in video_of(client).submitted
        )
        assert_problem(
            await client.post(revise, json={"instruction": "x"}, headers=alice), 409, "conflict"
        )

        kinds = await events_of(client, job_id, alice)
        assert kinds.count("job_revised") == 2 and kinds.count("job_awaiting_approval") == 3
        revised = [i for i, k in enumerate(kinds) if k == "job_revised"]
        waits = [i for i, k in enumerate(kinds) if k == "job_awaiting_approval"]
        assert waits[0] < revised[0] < waits[1] < revised[1] < waits[2]
        assert waits[2] < kinds.index("job_approved") < kinds.index("node_started", waits[2])
        # The only render submissions came after the approval.
        submit = [i for i, k in enumerate(kinds) if k == "node_finished"]
        assert submit and kinds[-1] == "job_result"


async def test_revise_then_cancel(open_app: AppFactory) -> None:
    async with open_app() as client:
        headers = await new_key(client, "acme")
        job_id = (
            await client.post(PROMO, json=promo_body(approve_plan=True), headers=headers)
        ).json()["job_id"]
        await wait_for(client, job_id, headers, waiting)
        response = await client.post(
            f"/api/v1/jobs/{job_id}/revise", json={"instruction": "square"}, headers=headers
        )
        assert response.status_code == 202
        await wait_for(client, job_id, headers, waiting)
        response = await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
        assert response.json()["status"] == "cancelled"
        assert video_of(client).submitted == []


class SeedRecorder:
    """Wraps the instant renderer: records every submitted shot's take."""

    def __init__(self, video: Any) -> None:
        self.video = video
        self.takes: list[tuple[str, ShotRender]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.video, name)

    async def submit(self, job_id: str, shot: ShotRender, *args: Any) -> Any:
        self.takes.append((job_id, shot))
        return await self.video.submit(job_id, shot, *args)


async def state_of(client: Client, job_id: str) -> dict[str, Any]:
    runner = client.app.state.service.execution.runner
    graph = await runner.graph()
    snapshot = await graph.aget_state({"configurable": {"thread_id": job_id}})
    return dict(snapshot.values)


async def visuals_of(client: Client, job_id: str) -> dict[tuple[int, str], str]:
    state = await state_of(client, job_id)
    return {(v.shot_index, v.aspect): v.asset.key for v in state["visuals"]}


async def refused(
    client: Client, parent_id: str, shots: int, alice: dict[str, str], bob: dict[str, str]
) -> None:
    """Another tenant's job and shots it does not have are 404s; no instruction is a 422."""
    body = {"instruction": "closer on the cap, golden light"}
    revise = f"/api/v1/jobs/{parent_id}/shots/2/revise"
    assert_problem(await client.post(revise, json=body, headers=bob), 404, "not-found")
    assert_problem(
        await client.post(
            f"/api/v1/jobs/{parent_id}/shots/{shots + 1}/revise", json=body, headers=alice
        ),
        404,
        "not-found",
    )
    assert_problem(
        await client.post(f"/api/v1/jobs/{parent_id}/shots/0/revise", json=body, headers=alice),
        404,
        "not-found",
    )
    assert_problem(
        await client.post(revise, json={"instruction": ""}, headers=alice), 422, "invalid-input"
    )


@pytest.mark.slow  # a whole job, and more than one plan or render
async def test_shot_revise_renders_one_shot_into_a_child_job(open_app: AppFactory) -> None:
    async with open_app() as client:
        alice, bob = await new_key(client, "alice"), await new_key(client, "bob")
        service = client.app.state.service
        recorder = SeedRecorder(service.toolbox.video)
        service.toolbox.video = recorder
        parent_id = (await client.post(PROMO, json=promo_body(), headers=alice)).json()["job_id"]
        revise = f"/api/v1/jobs/{parent_id}/shots/2/revise"
        body = {"instruction": "closer on the cap, golden light"}
        # Not finished yet (it has only just been queued): nothing to revise.
        assert_problem(await client.post(revise, json=body, headers=alice), 409, "conflict")
        parent = await finished(client, parent_id, alice)
        assert parent["status"] in ("completed", "completed_with_warnings"), parent
        parent_takes = {shot.shot_index: shot for job, shot in recorder.takes if job == parent_id}
        shots = len(parent_takes)
        assert shots >= 2

        await refused(client, parent_id, shots, alice, bob)

        submitted_before = len(video_of_recorder(recorder).submitted)
        response = await client.post(revise, json=body, headers=alice)
        assert response.status_code == 202, response.text
        child_id = response.json()["job_id"]
        assert response.headers["location"] == f"/api/v1/jobs/{child_id}"
        child = await finished(client, child_id, alice)
        assert child["status"] in ("completed", "completed_with_warnings"), child
        assert child["parent_id"] == parent_id
        assert "video_1x1.mp4" in {a["name"] for a in child["assets"]}
        made = await client.get(f"/api/v1/jobs?parent_id={parent_id}", headers=alice)
        assert [j["id"] for j in made.json()["items"]] == [child_id]
        made = await client.get(f"/api/v1/jobs?parent_id={parent_id}", headers=bob)
        assert made.json()["items"] == []

        # Exactly one shot went to the provider, shot 2, as a new take with the words.
        fresh = video_of_recorder(recorder).submitted[submitted_before:]
        assert fresh == [f"{child_id}-1"]
        (_, take) = next((j, s) for j, s in recorder.takes if j == child_id)
        assert take.seed != parent_takes[1].seed
        assert "closer on the cap, golden light." in take.prompt
        # Every other shot is the parent's clip, the same stored object.
        mine, theirs = await visuals_of(client, child_id), await visuals_of(client, parent_id)
        assert mine.keys() == theirs.keys()
        assert all(mine[k] == theirs[k] for k in mine if k[0] != 1)
        # ... and so is its plan; shot 2's plan carries the words for the provider.
        old, new = (
            (await state_of(client, parent_id))["plan"],
            (await state_of(client, child_id))["plan"],
        )
        assert [s for s in new.shots if s.shot_index != 1] == [
            s for s in old.shots if s.shot_index != 1
        ]
        assert new.shots[1].prompt == take.prompt and new.shots[1] != old.shots[1]
        # The child's own bill: the one shot it submitted, not the parent's shots again.
        assert parent["cost_usd"] == pytest.approx(0.01 * shots)
        assert child["cost_usd"] == pytest.approx(0.01)
        kinds = await events_of(client, child_id, alice)
        assert kinds[0] == "job_queued" and kinds[-1] == "job_result"
        nodes = [
            json.loads(e["data"])["node"]
            for e in sse_events(
                (await client.get(f"/api/v1/jobs/{child_id}/events", headers=alice)).text
            )
            if e["event"] == "node_started"
        ]
        # Planned again from the visual agent on (no ingest, no concept), then rendered.
        assert nodes[:2] == ["revise", "visual"] and "ingest" not in nodes
        assert "concept" not in nodes and nodes[-1] == "publish"

        # A child of a child: the shot numbering is the same film's.
        again = await client.post(
            f"/api/v1/jobs/{child_id}/shots/1/revise", json={"instruction": "slower"}, headers=alice
        )
        assert again.status_code == 202
        grandchild = await finished(client, again.json()["job_id"], alice)
        assert grandchild["parent_id"] == child_id


def video_of_recorder(recorder: SeedRecorder) -> Any:
    return recorder.video


@pytest.mark.slow  # a whole job, and more than one plan or render
async def test_on_fal_nothing_is_submitted_before_approval_and_a_shot_revise_submits_one(
    data_dir: Path,
) -> None:
    """The same on the wire: the loopback fal.ai through the real fal-client."""
    fake = FakeFal()
    async with serving(fake), _app_on_fal(data_dir, fake) as client:
        headers = await new_key(client, "acme")
        composed: list[list[str]] = []  # the clips of each compose call, in order
        composer = client.app.state.service.toolbox.composer
        compose = composer.compose

        async def recording(plan: Any, product: Any, visuals: Any, *args: Any) -> Any:
            composed.append(sorted(v.asset.key for v in visuals))
            return await compose(plan, product, visuals, *args)

        composer.compose = recording
        body = promo_body(approve_plan=True)
        job_id = (await client.post(PROMO, json=body, headers=headers)).json()["job_id"]
        await wait_for(client, job_id, headers, waiting)
        for instruction in ("warmer", "CTA: Book a tasting"):
            response = await client.post(
                f"/api/v1/jobs/{job_id}/revise", json={"instruction": instruction}, headers=headers
            )
            assert response.status_code == 202, response.text
            await wait_for(client, job_id, headers, waiting)
            assert fake.submissions() == []  # no provider call of any kind before approval
        await client.post(f"/api/v1/jobs/{job_id}/approve", headers=headers)
        parent = await finished(client, job_id, headers)
        assert parent["status"] in ("completed", "completed_with_warnings"), parent
        shots = len(fake.submissions("video"))
        assert shots >= 2

        instruction = "slow orbit, the cap catching the light"
        response = await client.post(
            f"/api/v1/jobs/{job_id}/shots/{shots}/revise",
            json={"instruction": instruction},
            headers=headers,
        )
        assert response.status_code == 202, response.text
        child_id = response.json()["job_id"]
        child = await finished(client, child_id, headers)
        assert child["status"] in ("completed", "completed_with_warnings"), child
        fresh = fake.submissions("video")[shots:]
        assert len(fresh) == 1 and instruction in fresh[0].json()["prompt"]
        mine, theirs = await visuals_of(client, child_id), await visuals_of(client, job_id)
        last = shots - 1
        assert all(mine[k] == theirs[k] for k in mine if k[0] != last)
        assert all(mine[k] != theirs[k] for k in mine if k[0] == last)  # a new clip
        # The child's film was composed from exactly those clips (the new shot, the rest
        # the parent's), into a new video of its own.
        assert composed == [sorted(theirs.values()), sorted(mine.values())]
        assert "video_1x1.mp4" in await keys_of(client, child_id)


@pytest.mark.slow  # queue mode: PostgreSQL, SAQ, a worker
async def test_revise_and_shot_revise_in_queue_mode(data_dir: Path, pg_url: str) -> None:
    """The API forks and records; a SAQ worker runs the revised plan and the child."""
    settings = queue_settings(data_dir, pg_url)
    on_worker = fast_toolbox(settings)
    async with api(settings, fast_toolbox(settings)) as client, worker(settings, on_worker):
        body = promo_body(approve_plan=True)
        job_id = (await client.post(PROMO, json=body)).json()["job_id"]
        await wait_for(client, job_id, {}, waiting)
        response = await client.post(
            f"/api/v1/jobs/{job_id}/revise", json={"instruction": "longer, vertical"}
        )
        assert response.status_code == 202, response.text
        job = await wait_for(client, job_id, {}, waiting)
        assert (await plan_document(client, job))["brief"]["aspect_ratios"] == ["9:16"]
        submitted = on_worker.video.submitted  # type: ignore[attr-defined]
        assert submitted == []
        await client.post(f"/api/v1/jobs/{job_id}/approve")
        assert (await finished(client, job_id, {}))["status"] != "failed"
        shots = len(submitted)
        response = await client.post(
            f"/api/v1/jobs/{job_id}/shots/1/revise", json={"instruction": "closer"}
        )
        assert response.status_code == 202, response.text
        child_id = response.json()["job_id"]
        child = await finished(client, child_id, {})
        assert child["status"] != "failed" and child["parent_id"] == job_id
        assert submitted[shots:] == [f"{child_id}-0"]
