"""The job API end to end in-process: original bodies, SSE, idempotency, tenants, Range."""

from __future__ import annotations

import base64
import io
import json
from urllib.parse import urlsplit

import av

from tests.server.conftest import (
    BRIEF,
    AppFactory,
    finished,
    new_key,
    photo_b64,
    promo_body,
    sse_events,
    wait_for,
)

PROMO = "/api/v1/video/generate-promo-video"


def urlsplit_path(url: str) -> str:
    """A signed link's path and query (the client talks to the app in-process)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_original_body_with_empty_strings_runs_to_completion(open_app: AppFactory) -> None:
    async with open_app() as client:
        headers = await new_key(client, "acme")
        # Exactly what the original AI Studio front end sends: unused fields as "".
        body = {
            "content": BRIEF,
            "reference_image_url": "",
            "reference_image_b64": photo_b64(),
            "voice_over": False,
            "user_id": "",
            "duration_s": 6,
            "aspect_ratios": ["1:1"],
        }
        response = await client.post(PROMO, json=body, headers=headers)
        assert response.status_code == 202, response.text
        submitted = response.json()
        assert submitted["status"] == "queued"
        assert response.headers["location"] == f"/api/v1/jobs/{submitted['job_id']}"
        job = await finished(client, submitted["job_id"], headers)
        assert job["status"] == "completed_with_warnings", job  # tiny video fails output QA

        status = (await client.get(f"/api/v1/video/status/{job['id']}", headers=headers)).json()
        for field in (
            "id",
            "title",
            "image_url",
            "user_content",
            "status",
            "video_url",
            "video_prompt",
            "error_message",
            "user_id",
            "created_at",
        ):
            assert field in status, field
        assert status["user_id"] is None
        # A base64 upload has no URL of its own: the status links the stored photo.
        photo = await client.get(urlsplit_path(status["image_url"]))
        assert photo.status_code == 200
        assert photo.content == base64.b64decode(str(body["reference_image_b64"]))
        assert photo.headers["content-type"] == "image/png"
        assert status["user_content"] == BRIEF and status["title"]
        assert status["progress"] == 100 and status["stage"] == "done"
        assert status["qa"]["plan"]["passed"] is True
        assert status["qa"]["output"]["passed"] is False
        assert status["cost_usd"] > 0
        assert "video_1x1.mp4" in status["video_url"]
        names = {asset["name"] for asset in status["assets"]}
        assert {"video_1x1.mp4", "poster_1x1.jpg", "qa.json", "provenance.json"} <= names


async def test_fashion_and_ugc_routes_accept_the_original_body(open_app: AppFactory) -> None:
    async with open_app(dev_mode=True) as client:
        for route, kind in (("generate-fashion-video", "fashion"), ("generate-ugc-video", "ugc")):
            response = await client.post(f"/api/v1/video/{route}", json=promo_body())
            assert response.status_code == 202, response.text
            job = (await client.get(f"/api/v1/jobs/{response.json()['job_id']}")).json()
            assert job["kind"] == kind
            await client.post(f"/api/v1/jobs/{job['id']}/cancel")


async def test_sse_ids_run_to_the_result_and_resume_after_last_event_id(
    open_app: AppFactory,
) -> None:
    async with open_app() as client:
        headers = await new_key(client, "acme")
        job_id = (await client.post(PROMO, json=promo_body(), headers=headers)).json()["job_id"]
        # Subscribed while the job runs: the stream ends by itself after the final event.
        response = await client.get(f"/api/v1/jobs/{job_id}/events", headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.text)
        ids = [int(e["id"]) for e in events]
        assert ids == sorted(ids) and len(set(ids)) == len(ids) and ids[0] == 1
        kinds = [e["event"] for e in events]
        assert kinds[0] == "job_queued" and kinds[-1] == "job_result"
        assert {
            "job_started",
            "node_started",
            "node_finished",
            "job_progress",
            "qa_verdict",
            "job_finished",
        } <= set(kinds)
        result = json.loads(events[-1]["data"])
        assert result["status"] == "completed_with_warnings"
        assert "video_1x1.mp4" in result["assets"]
        progress = [
            json.loads(e["data"])["progress"] for e in events if e["event"] == "job_progress"
        ]
        assert progress == sorted(progress)
        verdicts = [json.loads(e["data"]) for e in events if e["event"] == "qa_verdict"]
        assert [v["stage"] for v in verdicts] == ["plan", "output"]

        middle = ids[len(ids) // 2]
        resumed = await client.get(
            f"/api/v1/jobs/{job_id}/events", headers={**headers, "Last-Event-ID": str(middle)}
        )
        again = sse_events(resumed.text)
        assert [int(e["id"]) for e in again] == [i for i in ids if i > middle]


async def test_idempotency_key_same_body_same_job_other_body_conflict(
    open_app: AppFactory,
) -> None:
    async with open_app() as client:
        headers = {**await new_key(client, "acme"), "Idempotency-Key": "order-42"}
        body = promo_body()
        first = await client.post(PROMO, json=body, headers=headers)
        second = await client.post(PROMO, json=body, headers=headers)
        assert first.status_code == second.status_code == 202
        assert first.json()["job_id"] == second.json()["job_id"]
        assert second.headers.get("idempotent-replayed") == "true"

        other = await client.post(
            PROMO, json={**body, "content": "Another brief entirely"}, headers=headers
        )
        assert other.status_code == 409
        assert other.headers["content-type"].startswith("application/problem+json")
        assert other.json()["type"] == "https://aistudio.dev/problems/conflict"

        listing = (await client.get("/api/v1/jobs", headers=headers)).json()
        assert [job["id"] for job in listing["items"]] == [first.json()["job_id"]]
        await finished(client, first.json()["job_id"], headers)


async def test_another_tenant_gets_404_on_every_route(open_app: AppFactory) -> None:
    async with open_app() as client:
        alice, bob = await new_key(client, "alice"), await new_key(client, "bob")
        job_id = (await client.post(PROMO, json=promo_body(), headers=alice)).json()["job_id"]
        await finished(client, job_id, alice)
        routes = [
            ("GET", f"/api/v1/jobs/{job_id}"),
            ("GET", f"/api/v1/video/status/{job_id}"),
            ("GET", f"/api/v1/jobs/{job_id}/events"),
            ("POST", f"/api/v1/jobs/{job_id}/cancel"),
            ("GET", f"/api/v1/video/download/{job_id}"),
            ("GET", f"/api/v1/jobs/{job_id}/assets"),
        ]
        for method, path in routes:
            response = await client.request(method, path, headers=bob)
            assert response.status_code == 404, (path, response.text)
            assert response.json()["type"] == "https://aistudio.dev/problems/not-found"
            assert (await client.request(method, path, headers=alice)).status_code != 404, path
        assert (await client.get("/api/v1/jobs", headers=bob)).json()["items"] == []


async def test_download_supports_ranges_and_signed_asset_links(open_app: AppFactory) -> None:
    async with open_app() as client:
        headers = await new_key(client, "acme")
        job_id = (await client.post(PROMO, json=promo_body(), headers=headers)).json()["job_id"]
        await finished(client, job_id, headers)
        url = f"/api/v1/video/download/{job_id}"

        full = await client.get(url, headers=headers)
        assert full.status_code == 200
        assert full.headers["accept-ranges"] == "bytes"
        assert full.headers["content-type"].startswith("video/mp4")
        size = len(full.content)
        assert int(full.headers["content-length"]) == size > 1000
        with av.open(io.BytesIO(full.content), mode="r") as container:
            assert container.streams.video[0].width == 160
            assert float(container.duration or 0) / 1e6 > 5

        part = await client.get(url, headers={**headers, "Range": "bytes=100-199"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 100-199/{size}"
        assert part.content == full.content[100:200]
        tail = await client.get(url, headers={**headers, "Range": "bytes=-10"})
        assert tail.status_code == 206 and tail.content == full.content[-10:]
        bad = await client.get(url, headers={**headers, "Range": f"bytes={size}-"})
        assert bad.status_code == 416
        assert bad.headers["content-range"] == f"bytes */{size}"
        assert bad.json()["status"] == 416

        assets = (await client.get(f"/api/v1/jobs/{job_id}/assets", headers=headers)).json()
        video = next(a for a in assets["assets"] if a["name"] == "video_1x1.mp4")
        signed = video["url"].removeprefix("http://127.0.0.1:8000")
        fetched = await client.get(signed)  # no API key: the signature is the credential
        assert fetched.status_code == 200 and fetched.content == full.content
        assert fetched.headers["content-type"] == "video/mp4"  # a browser plays it inline
        tampered = signed.replace("sig=", "sig=x")
        assert (await client.get(tampered)).status_code == 404
        other = signed.replace("video_1x1.mp4", "qa.json")
        assert (await client.get(other)).status_code == 404


async def test_cancel_stops_a_running_job(open_app: AppFactory) -> None:
    async with open_app(compose_delay_s=60) as client:
        headers = await new_key(client, "acme")
        job_id = (await client.post(PROMO, json=promo_body(), headers=headers)).json()["job_id"]
        await wait_for(client, job_id, headers, lambda job: job["stage"] == "compose")
        response = await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
        assert response.status_code == 200, response.text
        job = response.json()
        assert job["status"] == "cancelled" and job["error_message"] == "cancelled by request"
        events = sse_events(
            (await client.get(f"/api/v1/jobs/{job_id}/events", headers=headers)).text
        )
        assert events[-1]["event"] == "job_result"
        assert json.loads(events[-1]["data"])["status"] == "cancelled"
        assert "job_finished" not in [e["event"] for e in events]
        again = await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
        assert again.status_code == 200 and again.json()["status"] == "cancelled"
        download = await client.get(f"/api/v1/video/download/{job_id}", headers=headers)
        assert download.status_code == 404


async def test_deadline_cancels_the_job_with_a_reason(open_app: AppFactory) -> None:
    async with open_app(compose_delay_s=60) as client:
        headers = await new_key(client, "acme")
        body = promo_body(deadline_s=3)
        job_id = (await client.post(PROMO, json=body, headers=headers)).json()["job_id"]
        job = await finished(client, job_id, headers)
        assert job["status"] == "cancelled" and job["error_message"] == "deadline exceeded"


async def test_list_filters_and_paginates_with_a_cursor(open_app: AppFactory) -> None:
    async with open_app(compose_delay_s=60) as client:
        headers = await new_key(client, "acme")
        ids = []
        for _ in range(3):
            response = await client.post(PROMO, json=promo_body(), headers=headers)
            ids.append(response.json()["job_id"])
        for job_id in ids:
            cancel = await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
            assert cancel.json()["status"] == "cancelled", cancel.json()
        page = (await client.get("/api/v1/jobs?limit=2", headers=headers)).json()
        assert [j["id"] for j in page["items"]] == ids[::-1][:2] and page["next_cursor"]
        rest = (
            await client.get(f"/api/v1/jobs?limit=2&cursor={page['next_cursor']}", headers=headers)
        ).json()
        assert [j["id"] for j in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
        none = (await client.get("/api/v1/jobs?kind=ugc", headers=headers)).json()
        assert none["items"] == []
        cancelled = (await client.get("/api/v1/jobs?status=cancelled", headers=headers)).json()
        assert len(cancelled["items"]) == 3
