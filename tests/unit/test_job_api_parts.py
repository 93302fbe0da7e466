"""Pure parts of the job API: request parsing, progress folding, Range parsing, problems."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import ValidationError

from aistudio.artifacts import JobKind, QACheck, QAReport
from aistudio.errors import InputError, MediaTooLarge
from aistudio.graph.checkpoint import is_postgres, libpq_url
from aistudio.jobs.intake import build_brief, decode_b64
from aistudio.jobs.progress import ProgressTracker, asset_records
from aistudio.jobs.requests import VideoRequest, fingerprint
from aistudio.jobs.runner import qa_verdicts
from aistudio.pipeline import (
    PIPELINE,
    JobStarted,
    NodeFinished,
    NodeProgress,
    NodeStarted,
    QAVerdict,
)
from aistudio.server.downloads import parse_range
from aistudio.server.problems import RangeNotSatisfiable
from aistudio.settings import Settings

BRIEF = "AURUM Eau de Parfum. Shop now"


def test_empty_strings_are_absent_and_extras_ignored() -> None:
    request = VideoRequest.model_validate(
        {
            "content": BRIEF,
            "reference_image_url": "",
            "reference_image_b64": " ",
            "user_id": "",
            "voice_over": "",
            "vibe": "",
            "webhook_url": "",
            "legacy_field": 1,
        }
    )
    assert request.reference_image_url is None and request.reference_image_b64 is None
    assert request.user_id is None and request.voice_over is False and request.vibe is None


@pytest.mark.parametrize(
    "body",
    [
        {"content": "no"},
        {"content": BRIEF, "duration_s": 5},
        {"content": BRIEF, "seed": -1},
        {"content": BRIEF, "aspect_ratios": []},
        {"content": BRIEF, "deadline_s": 0},
    ],
)
def test_invalid_requests_are_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        VideoRequest.model_validate(body)


def request_hash(kind: JobKind, body: dict[str, Any]) -> str:
    return fingerprint(kind, VideoRequest.model_validate(body))[0]


def test_request_hash_is_canonical_and_kind_sensitive() -> None:
    a = {"content": BRIEF, "voice_over": True, "user_id": ""}
    b = {"user_id": None, "voice_over": True, "content": BRIEF}
    assert request_hash("promo", a) == request_hash("promo", b)
    assert request_hash("promo", a) != request_hash("ugc", a)
    assert request_hash("promo", a) != request_hash("promo", {**a, "content": BRIEF + "!"})


def test_request_hash_covers_the_photo_and_the_webhook() -> None:
    a = {"content": BRIEF, "reference_image_b64": "QUJD"}
    assert request_hash("promo", a) != request_hash("promo", {**a, "reference_image_b64": "QUJE"})
    assert request_hash("promo", a) != request_hash(
        "promo", {**a, "webhook_url": "https://example.com/hook"}
    )


def test_stored_request_keeps_a_digest_not_the_photo() -> None:
    request = VideoRequest.model_validate(
        {"content": BRIEF, "reference_image_b64": "QUJD", "webhook_url": "https://example.com/hook"}
    )
    stored = fingerprint("promo", request)[1]
    assert "reference_image_b64" not in stored and "webhook_url" not in stored
    assert len(stored["reference_image_b64_sha256"]) == 64


def test_brief_defaults_and_deadline_cap() -> None:
    settings = Settings()
    brief = build_brief("promo", VideoRequest.model_validate({"content": BRIEF}), settings)
    assert brief.aspect_ratios == ("9:16",) and brief.duration_s == settings.default_duration_s
    too_long = VideoRequest.model_validate({"content": BRIEF, "deadline_s": 10**7})
    with pytest.raises(InputError):
        build_brief("promo", too_long, settings)


def test_base64_decoding_caps_and_data_urls() -> None:
    raw = b"\x89PNG\r\n\x1a\n" + b"x" * 100
    encoded = base64.b64encode(raw).decode()
    assert decode_b64(encoded, 1000) == raw
    assert decode_b64("data:image/png;base64," + encoded, 1000) == raw
    with pytest.raises(MediaTooLarge):
        decode_b64(encoded, 50)
    with pytest.raises(InputError):
        decode_b64("@@@@", 1000)


def test_progress_is_monotonic_and_ends_below_100() -> None:
    tracker = ProgressTracker()
    seen = []
    for node in PIPELINE:
        tracker.observe(NodeStarted(node=node))
        tracker.observe(NodeProgress(node=node, fraction=0.5))
        tracker.observe(NodeFinished(node=node, seconds=1.0))
        seen.append(tracker.reported)
    assert seen == sorted(seen) and seen[-1] == 99
    # A QA retry goes back to an earlier node: the reported figure does not.
    assert tracker.observe(NodeStarted(node="concept"))  # the stage changes
    assert tracker.reported == 99 and tracker.stage == "concept"
    assert not tracker.observe(JobStarted())
    assert not tracker.observe(NodeStarted(node="fail"))  # not one of the job's steps


def test_asset_records_guess_media_types() -> None:
    records = asset_records({"video_9x16.mp4": "k1", "captions.srt": "k2", "plan.json": "k3"})
    assert records["video_9x16.mp4"]["mime"] == "video/mp4"
    assert records["captions.srt"]["mime"] == "application/x-subrip"
    assert records["plan.json"] == {"key": "k3", "mime": "application/json"}


def test_qa_verdicts_from_graph_updates() -> None:
    report = QAReport(
        stage="plan",
        checks=(
            QACheck(
                name="words", score=0.2, passed=False, violation="too many words", redo="audio"
            ),
        ),
    )
    verdicts = qa_verdicts({"qa_plan": {"plan_qa": report, "plan_attempts": 1}})
    assert verdicts == [
        QAVerdict(
            stage="plan", passed=False, attempt=0, violations=["too many words"], redo="audio"
        )
    ]
    assert verdicts[0].model_dump(mode="json") == {
        "event": "qa_verdict",
        "stage": "plan",
        "passed": False,
        "attempt": 0,
        "violations": ["too many words"],
        "redo": "audio",
    }
    assert qa_verdicts({"concept": {"concept": "x"}, "__interrupt__": ()}) == []
    # A subgraph's update to its parent repeats its QA node's report: not counted twice.
    assert qa_verdicts({"planning": {"plan_qa": report, "plan_attempts": 1}}) == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", (0, 9)),
        ("bytes=10-", (10, 99)),
        ("bytes=-5", (95, 99)),
        ("bytes=90-500", (90, 99)),
        ("bytes=-500", (0, 99)),
    ],
)
def test_parse_range(header: str | None, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize(
    "header",
    [
        "bytes=100-",
        "bytes=5-2",
        "bytes=-0",
        "bytes=-",
        "items=0-1",
        "bytes=0-1,5-6",
        "bytes=a-b",
    ],
)
def test_bad_ranges_are_416(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 100)


def test_checkpoints_follow_a_postgres_job_store() -> None:
    assert libpq_url("postgresql+asyncpg://u:p@db:5432/jobs") == "postgresql://u:p@db:5432/jobs"
    assert libpq_url("postgres://u@db/jobs") == "postgresql://u@db/jobs"
    assert is_postgres("postgresql+asyncpg://u@db/x") and not is_postgres("sqlite+aiosqlite:///x")
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        libpq_url("sqlite+aiosqlite:///jobs.sqlite")
