"""Routing is pure: every QA outcome goes to the right node, and retries are bounded."""

from __future__ import annotations

from typing import Any

import pytest

from aistudio.artifacts import QACheck, QAReport, RedoTarget
from aistudio.graph.routing import next_or_fail, route_after_output_qa, route_after_plan_qa


def _report(*failing: RedoTarget, stage: str = "output") -> QAReport:
    checks = [QACheck(name="ok", score=1.0, passed=True)]
    checks += [
        QACheck(name=f"bad{i}", score=0.1, passed=False, violation=f"v{i}", redo=target)
        for i, target in enumerate(failing)
    ]
    return QAReport(stage=stage, checks=tuple(checks))


def test_passing_plan_goes_to_render() -> None:
    state: Any = {"plan_qa": _report(stage="plan"), "plan_attempts": 1}
    assert route_after_plan_qa(state, max_retries=2) == "render_submit"


def test_failing_plan_goes_to_the_earliest_fixing_node() -> None:
    state: Any = {"plan_qa": _report("assembly", "audio", stage="plan"), "plan_attempts": 1}
    assert route_after_plan_qa(state, max_retries=2) == "audio"


@pytest.mark.parametrize(("attempts", "expected"), [(1, "visual"), (2, "visual"), (3, "fail")])
def test_plan_retries_are_bounded(attempts: int, expected: str) -> None:
    state: Any = {"plan_qa": _report("visual", stage="plan"), "plan_attempts": attempts}
    assert route_after_plan_qa(state, max_retries=2) == expected


def test_output_render_redo_restarts_at_submit() -> None:
    state: Any = {"output_qa": _report("render"), "output_attempts": 1}
    assert route_after_output_qa(state, max_retries=2) == "render_submit"


def test_output_out_of_retries_publishes_with_warnings() -> None:
    state: Any = {"output_qa": _report("compose"), "output_attempts": 3}
    assert route_after_output_qa(state, max_retries=2) == "publish"


def test_zero_retries_never_loops() -> None:
    state: Any = {"output_qa": _report("compose"), "output_attempts": 1}
    assert route_after_output_qa(state, max_retries=0) == "publish"


def test_failed_status_short_circuits_everything() -> None:
    state: Any = {"status": "failed", "output_qa": _report(), "plan_qa": _report()}
    assert route_after_output_qa(state, max_retries=2) == "fail"
    assert route_after_plan_qa(state, max_retries=2) == "fail"
    assert next_or_fail(state, "compose") == "fail"
    assert next_or_fail({"status": "running"}, "compose") == "compose"  # type: ignore[typeddict-item]


def test_report_redo_picks_cheapest_fixing_node() -> None:
    assert _report("compose", "render", "assembly").redo == "assembly"
    assert _report().redo is None
