"""A revise instruction applied to a brief (pure), and the routing around the revise node."""

from __future__ import annotations

from aistudio.artifacts import Brief, Revision, Violation
from aistudio.graph.planning import pin_shots
from aistudio.graph.routing import route_after_revise, route_after_submit
from aistudio.pipeline import VideoState
from aistudio.tools.planner.feedback import shot_notes
from aistudio.tools.planner.prompts import feedback_text
from aistudio.tools.planner.revision import revise_brief
from tests.unit.test_timeline import _plan

BRIEF = Brief(kind="promo", text="AURUM Eau de Parfum, amber and vanilla.", duration_s=12)


def test_plain_language_edits_change_the_brief() -> None:
    revision = Revision(
        instruction="shorter, warmer, square, add a voice-over that mentions free shipping, "
        "CTA: Shop the drop, make it UGC, and sparkle",
        round=1,
    )
    revised = revise_brief(BRIEF, revision)
    brief = revised.brief
    assert brief.duration_s == 10 and brief.vibe == "warm" and brief.voice_over
    assert brief.aspect_ratios == ("1:1",) and brief.kind == "promo"  # kind is not revisable
    assert brief.text == f"{BRIEF.text} Mention free shipping. Shop the drop."
    assert set(revised.changed) == {
        "duration_s", "vibe", "voice_over", "aspect_ratios", "script_notes", "call_to_action"
    }  # fmt: skip
    assert any("kind of video" in n for n in revised.not_understood)
    assert "sparkle" in " ".join(revised.not_understood)
    violation = revised.violation
    assert violation.check == "user_revision" and violation.shot_index is None
    assert violation.detail == revision.instruction and violation.attempt == 1


def test_out_of_range_edits_are_reported_not_applied() -> None:
    revised = revise_brief(BRIEF, Revision(instruction="make it 90 seconds", round=2))
    assert revised.brief == BRIEF and revised.changed == {}
    assert any("duration" in n for n in revised.not_understood)


def test_a_shot_revision_leaves_the_brief_and_names_its_shot() -> None:
    revision = Revision(instruction="square, closer on the cap", round=1, shot_index=2)
    revised = revise_brief(BRIEF, revision)
    assert revised.brief == BRIEF and revised.changed == {}
    assert shot_notes((revised.violation,), 2) == ("square, closer on the cap",)
    assert shot_notes((revised.violation,), 1) == ()


def test_routing_around_a_revision() -> None:
    state = VideoState(job_id="j", brief=BRIEF, reference=None, out_dir="")  # type: ignore[typeddict-item]
    assert route_after_submit(state) == "render_await"
    state["revision"] = Revision(instruction="warmer", round=1)
    assert route_after_submit(state) == "revise"
    send = route_after_revise(state)
    assert not isinstance(send, str) and send.arg["replan_from"] == "concept"
    state["revised"] = 1  # applied: render_submit's next run renders
    assert route_after_submit(state) == "render_await"
    state["revision"] = Revision(instruction="closer", round=2, shot_index=0)
    send = route_after_revise(state)
    assert not isinstance(send, str) and send.arg["replan_from"] == "visual"
    state["status"] = "failed"
    assert route_after_submit(state) == "fail" and route_after_revise(state) == "fail"


def test_a_shot_revise_keeps_the_other_shots_as_planned_before() -> None:
    old = _plan([3.0, 3.0, 2.0], [0.5, 0.5, 0.5])
    new = old.model_copy(
        update={
            "shots": tuple(
                s.model_copy(update={"camera_move": "orbit", "prompt": f"new {s.shot_index}"})
                for s in old.shots
            ),
            "captions": (),
        }
    )
    pinned = pin_shots(new, old, 1)
    assert pinned.shots == (old.shots[0], new.shots[1], old.shots[2])
    assert pinned.captions == ()  # the rest of the new plan (captions, voice) stands
    # Another shot's length changed: the new timeline stands whole.
    moved = new.model_copy(
        update={"shots": (*new.shots[:2], new.shots[2].model_copy(update={"duration_s": 2.5}))}
    )
    assert pin_shots(moved, old, 1) == moved
    assert pin_shots(new.model_copy(update={"shots": new.shots[:2]}), old, 1).shots == new.shots[:2]


def test_an_llm_agent_reads_a_revision_as_a_request_not_a_qa_failure() -> None:
    qa = Violation(check="caption_length", stage="plan", detail="caption 2 too long")
    asked = revise_brief(BRIEF, Revision(instruction="closer on the cap", round=1, shot_index=1))
    text = feedback_text((qa, asked.violation))
    failed, _, requested = text.partition("The person reviewing the plan asked")
    assert "failed QA" in failed and "caption 2 too long" in failed
    assert "closer" not in failed and "shot 2: closer on the cap" in requested
    assert "failed QA" not in feedback_text((asked.violation,))
