"""Property-based requests generated from the app's own OpenAPI document: no 5xx, ever,
and documented answers match their schemas (in-process ASGI, lifespan running).

Operations are driven with Hypothesis directly: schemathesis' pytest plugin
(`from_fixture`) relies on a pytest internal that pytest 9 removed.
"""

from __future__ import annotations

import base64
import json
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.result import Ok
from schemathesis.python.asgi import shutdown_lifespans

from aistudio.server.app import create_app
from tests.conftest import sample
from tests.server.conftest import promo_body, server_settings
from tests.server.fakes import fast_toolbox

EXAMPLES_PER_OPERATION = 30


def test_no_server_errors_and_documented_shapes(tmp_path: Path) -> None:
    config = server_settings(tmp_path, dev_mode=True)
    app = create_app(config, toolbox=fast_toolbox(config))
    schema = schemathesis.openapi.from_asgi("/api/v1/docs/openapi.json", app)
    started, tested = time.monotonic(), []
    try:
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), result  # the document itself must be valid
            operation = result.ok()

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

            run()
            tested.append(operation.label)
    finally:
        shutdown_lifespans()
    assert len(tested) >= 12, tested
    assert time.monotonic() - started < 120


# -- the cases of the API probe (issue 11), through the same machinery ----------------------
KEYLESS = ("/api/v1/assets/", "/api/v1/results/", "/api/v1/providers/", "/health", "/ready")
DEEP_JSON = b"[" * 1000 + b"]" * 1000
TRUNCATED_JSON = b'{"content": "AURUM Eau de Par'
PROBLEMS = "https://aistudio.dev/problems/"


def _bomb_png() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )


def _answers(status: int, slug: str) -> Any:
    def check(ctx: Any, response: Any, case: Any) -> None:
        assert response.status_code == status, (case.operation.label, response.text[:300])
        assert response.json()["type"] == PROBLEMS + slug, response.text[:300]

    return check


def _ids(operation: Any) -> dict[str, str]:
    """A value each path parameter's type admits (a shot number is an integer)."""
    return {
        p.name: "1" if p.definition.get("schema", {}).get("type") == "integer" else "an-id"
        for p in operation.path_parameters
    }


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def test_without_a_key_every_keyed_operation_is_401_whatever_the_body(tmp_path: Path) -> None:
    # Schemathesis sends made-up keys too: no failure limit here (its own test elsewhere).
    config = server_settings(tmp_path, auth_failure_burst=1_000_000)
    app = create_app(config, toolbox=fast_toolbox(config))
    schema = schemathesis.openapi.from_asgi("/api/v1/docs/openapi.json", app)
    keyed = [op for op in _operations(schema) if not op.path.startswith(KEYLESS)]
    unauthorized = _answers(401, "unauthorized")
    try:
        for operation in keyed:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=10,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                case.call_and_validate(checks=[not_a_server_error, unauthorized])

            run()
            if any(body.media_type == "application/json" for body in operation.body):
                # Bodies that would be 400 or 413 if they were read: they are not.
                for raw in (DEEP_JSON, TRUNCATED_JSON, b"x" * (config.server.max_body_bytes + 1)):
                    case = operation.Case(
                        body=raw, media_type="application/json", path_parameters=_ids(operation)
                    )
                    case.call_and_validate(checks=[not_a_server_error, unauthorized])
    finally:
        shutdown_lifespans()
    assert len(keyed) >= 12, [op.label for op in keyed]


def test_deep_json_and_bomb_photos_are_4xx_problems(tmp_path: Path) -> None:
    config = server_settings(tmp_path, dev_mode=True)
    app = create_app(config, toolbox=fast_toolbox(config))
    schema = schemathesis.openapi.from_asgi("/api/v1/docs/openapi.json", app)
    photos = {
        "bomb": (_bomb_png(), 413, "media-too-large"),
        "truncated": (sample("aurum-perfume.png").read_bytes()[:100_000], 422, "invalid-input"),
        "html": (b"\x89PNG\r\n\x1a\n<html><body>not a picture</body></html>", 422, "invalid-input"),
    }
    sent: list[str] = []
    try:
        for operation in _operations(schema):
            if not any(body.media_type == "application/json" for body in operation.body):
                continue
            deep = operation.Case(
                body=DEEP_JSON, media_type="application/json", path_parameters=_ids(operation)
            )
            deep.call_and_validate(checks=[not_a_server_error, _answers(400, "bad-request")])
            sent.append(f"{operation.label} deep")
            if "reference_image_b64" not in json.dumps([b.resolved_schema for b in operation.body]):
                continue
            for name, (data, status, slug) in photos.items():
                body = {**promo_body(), "reference_image_b64": base64.b64encode(data).decode()}
                case = operation.Case(body=body, media_type="application/json")
                case.call_and_validate(checks=[not_a_server_error, _answers(status, slug)])
                sent.append(f"{operation.label} {name}")
    finally:
        shutdown_lifespans()
    assert len(sent) >= 6 + 4 * 3, sent  # six JSON operations, four take a photo
