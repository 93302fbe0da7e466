"""Routing is pure: every QA outcome goes to the right node, and retries are bounded."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.types import Send

from aistudio.artifacts import ProviderJob, QACheck, QAReport, RedoTarget, ShotRender
from aistudio.errors import BudgetExceeded
from aistudio.graph.planning import subgraph_update
from aistudio.graph.routing import (
    next_or_fail,
    route_after_output_qa,
    route_after_plan_qa,
    route_after_planning,
    route_into_planning,
)
from aistudio.nodes.output_checks import fidelity_check
from aistudio.nodes.render import RESEED, check_budget, shots_to_remake, spent_usd, take
from aistudio.settings import QASettings


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


def test_output_agent_redo_reenters_planning_at_that_agent() -> None:
    state: Any = {"output_qa": _report("render", "assembly"), "output_attempts": 1, "job_id": "j"}
    route = route_after_output_qa(state, max_retries=2)
    assert isinstance(route, Send) and route.node == "planning"
    # The job's whole state goes in, plus where to start; the job's own state is untouched.
    assert route.arg == {**state, "replan_from": "assembly"}
    assert "replan_from" not in state
    assert route_into_planning(route.arg) == "assembly"
    assert route_into_planning(state) == "ingest"  # a job's first entry


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"plan_qa": _report(stage="plan")}, "render_submit"),
        ({"plan_qa": _report("visual", stage="plan")}, "fail"),  # out of plan-QA retries
        ({"status": "failed"}, "fail"),  # a step ended the job (no plan QA ran)
        ({"status": "failed", "plan_qa": _report(stage="plan")}, "fail"),
    ],
)
def test_out_of_planning_only_a_passing_plan_renders(state: Any, expected: str) -> None:
    assert route_after_planning(state) == expected


def test_a_planning_run_hands_back_only_what_it_added() -> None:
    verdict = _report()
    before: Any = {"job_id": "j", "plan_attempts": 1, "feedback": ("a",), "moderation": [1]}
    after: Any = {
        **before,
        "plan_attempts": 3,
        "feedback": ("a", "b", "c"),
        "moderation": [1, 2],
        "plan_qa": verdict,
        "replan_from": "audio",  # the subgraph's own: not a job state key
    }
    assert subgraph_update(before, after) == {
        "plan_attempts": 2,
        "feedback": ("b", "c"),
        "moderation": [2],
        "plan_qa": verdict,
    }


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


def _shot_check(index: int | None, redo: RedoTarget = "render", passed: bool = False) -> QACheck:
    return QACheck(
        name=f"fidelity.shot{index}",
        score=0.1 if not passed else 1.0,
        passed=passed,
        violation=None if passed else "v",
        redo=None if passed else redo,
        shot_index=index,
    )


def test_only_failing_shots_are_remade() -> None:
    report = QAReport(
        stage="output", checks=(_shot_check(0, passed=True), _shot_check(1), _shot_check(3))
    )
    assert shots_to_remake(report, have_jobs=True) == {1, 3}


@pytest.mark.parametrize(
    "report",
    [
        None,  # the first render
        QAReport(stage="output", checks=(_shot_check(0, passed=True),)),  # passed
        # a failing render check that is not about one shot: every shot again
        QAReport(stage="output", checks=(_shot_check(1), _shot_check(None))),
        # an earlier fix wins (the plan changes): every shot again
        QAReport(stage="output", checks=(_shot_check(1), _shot_check(2, redo="assembly"))),
    ],
)
def test_everything_is_rendered_otherwise(report: QAReport | None) -> None:
    assert shots_to_remake(report, have_jobs=True) is None


def test_nothing_to_keep_means_render_all() -> None:
    report = QAReport(stage="output", checks=(_shot_check(1),))
    assert shots_to_remake(report, have_jobs=False) is None


def test_a_remade_shot_asks_for_another_take() -> None:
    shot = ShotRender(
        shot_index=1,
        duration_s=3.0,
        camera_move="push_in",
        framing="close",
        product_scale=0.5,
        backdrop=("#111111", "#222222"),
        seed=4,
    )
    assert take(shot, 1, remade=True).seed == 4 + RESEED
    assert take(shot, 1, remade=False) == shot


def test_fidelity_redo_depends_on_who_made_the_shot() -> None:
    qa = QASettings()
    clip = fidelity_check(2, 3, 0.1, "9:16", qa, generated=True)
    still = fidelity_check(2, 3, 0.1, "9:16", qa, generated=False)
    assert (clip.redo, clip.shot_index) == ("render", 2)
    assert (still.redo, still.shot_index) == ("assembly", 2)
    assert fidelity_check(2, 50, 0.9, "9:16", qa, generated=True).redo is None


def test_budget_is_checked_before_anything_is_paid() -> None:
    quotes = [(0, "seedance-2.0", 1.2), (1, "seedance-2.0", 1.2)]
    assert check_budget(quotes, None, 0.0) == pytest.approx(2.4)
    assert check_budget(quotes, 2.4, 0.0) == pytest.approx(2.4)
    with pytest.raises(BudgetExceeded, match=r"\$2\.40 .* over the job's budget of \$2\.00"):
        check_budget(quotes, 2.0, 0.0)
    # what the job already paid (a remake) counts
    with pytest.raises(BudgetExceeded, match=r"\$1\.50 already paid"):
        check_budget(quotes[:1], 2.0, 1.5)
    with pytest.raises(BudgetExceeded, match=r"price of replicate-kling-3\.0 is unknown"):
        check_budget([(0, "replicate-kling-3.0", None)], 10.0, 0.0)


def test_spent_counts_each_request_once() -> None:
    job = ProviderJob(provider="fal", model="m", request_id="r1", shot_index=0, cost_usd=1.0)
    again = job.model_copy(update={"status": "completed"})
    other = job.model_copy(update={"request_id": "r2", "cost_usd": 0.5})
    assert spent_usd([job, again, other]) == pytest.approx(1.5)
