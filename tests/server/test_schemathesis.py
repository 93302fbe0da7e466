"""Property-based requests generated from the app's own OpenAPI document: no 5xx, ever,
and documented answers match their schemas (in-process ASGI, lifespan running).

Operations are driven with Hypothesis directly: schemathesis' pytest plugin
(`from_fixture`) relies on a pytest internal that pytest 9 removed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.result import Ok
from schemathesis.python.asgi import shutdown_lifespans

from aistudio.server.app import create_app
from tests.server.conftest import server_settings
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
