"""Output-QA scoring is pure: measured figures -> pass/fail, check names, redo targets."""

from __future__ import annotations

from aistudio.artifacts import QAReport
from aistudio.nodes import output_checks as oc
from aistudio.nodes.compose import loudness_misses
from aistudio.settings import QASettings
from aistudio.tools.ffmpeg.spec import Interval, LoudnessStats, MediaAnalysis, ProbeResult

QA = QASettings()


def _probe(**changes: object) -> ProbeResult:
    base: dict[str, object] = dict(
        duration_s=12.0,
        width=1080,
        height=1920,
        fps=30.0,
        video_codec="h264",
        audio_codec="aac",
        pix_fmt="yuv420p",
        faststart=True,
    )
    base.update(changes)
    return ProbeResult(**base)  # type: ignore[arg-type]


def test_good_probe_passes_every_check() -> None:
    checks = oc.probe_checks(_probe(), "9:16", 12.0, 30, QA)
    assert all(c.passed for c in checks)


def test_probe_failures_are_reported_without_a_pointless_retry() -> None:
    checks = {
        c.name: c
        for c in oc.probe_checks(
            _probe(duration_s=12.4, width=720, fps=25.0, faststart=False), "9:16", 12.0, 30, QA
        )
    }
    assert not checks["duration"].passed and "0.40s" in (checks["duration"].violation or "")
    assert not checks["frame_size"].passed and not checks["fps"].passed
    assert not checks["streams"].passed
    # Composing is deterministic: these are defects, not something a retry fixes.
    assert all(c.redo is None for c in checks.values())


def test_duration_within_tolerance_passes() -> None:
    assert oc.probe_checks(_probe(duration_s=12.2), "9:16", 12.0, 30, QA)[0].passed


def test_analysis_flags_black_freeze_silence_and_loudness() -> None:
    bad = MediaAnalysis(
        black=(Interval(0.0, 0.8),),
        frozen=(Interval(3.0, 6.5),),
        silent=(Interval(9.0, 12.0),),
        loudness=LoudnessStats(-19.0, -0.2),
    )
    checks = {c.name: c for c in oc.analysis_checks(bad, "9:16", -14.0, QA)}
    assert {n for n, c in checks.items() if not c.passed} == {
        "black",
        "freeze",
        "silence",
        "loudness",
    }
    assert checks["black"].redo == "render" and checks["freeze"].redo == "assembly"
    # A loudness miss goes back to compose, which measures the file and corrects it.
    assert checks["loudness"].redo == "compose"
    good = MediaAnalysis(loudness=LoudnessStats(-14.3, -1.6))
    assert all(c.passed for c in oc.analysis_checks(good, "9:16", -14.0, QA))


def test_loudness_holds_within_half_a_lu() -> None:
    def loud(lufs: float) -> bool:
        analysis = MediaAnalysis(loudness=LoudnessStats(lufs, -2.0))
        checks = oc.analysis_checks(analysis, "9:16", -14.0, QA)
        return next(c for c in checks if c.check == "loudness").passed

    assert loud(-14.45) and loud(-13.55)
    assert not loud(-13.4) and not loud(-14.6)  # the -12.9 the issue saw fails by far


def test_true_peak_over_limit_fails_even_at_target_loudness() -> None:
    analysis = MediaAnalysis(loudness=LoudnessStats(-14.0, -0.4))
    loud = next(c for c in oc.analysis_checks(analysis, "1:1", -14.0, QA) if c.name == "loudness")
    assert not loud.passed


def test_fidelity_caption_people_voice_carry_what_the_planner_acts_on() -> None:
    fidelity = oc.fidelity_check(2, 5, 0.1, "9:16", QA)
    assert not fidelity.passed and fidelity.redo == "assembly"
    assert (fidelity.check, fidelity.shot_index, fidelity.value) == ("fidelity", 2, 5)
    assert fidelity.name == "fidelity.shot3" and fidelity.violation
    assert oc.fidelity_check(2, 60, 1.0, "9:16", QA).passed
    caption = oc.caption_check(1, "Shop now", 0.2, "9:16", QA)
    assert (caption.check, caption.caption_index, caption.aspect) == (
        "caption_legibility",
        1,
        "9:16",
    )
    assert caption.name == "caption.2" and "'Shop now'" in (caption.violation or "")
    people = oc.people_check(2, humans_allowed=False, aspect="9:16")
    assert (people.check, people.value, people.name) == ("people", 2, "no_people")
    assert oc.people_check(2, humans_allowed=True, aspect="9:16").passed
    voice = oc.voice_check(11.9, (), 12.0, QA)
    assert (voice.check, voice.value, voice.redo) == ("voice_tail", 11.9, "audio")
    assert oc.voice_check(11.6, (), 12.0, QA).passed
    assert not oc.voice_check(10.0, ("line 2 overflows",), 12.0, QA).passed
    assert oc.voice_check(None, (), 12.0, QA).passed


def test_sharpness_threshold() -> None:
    assert not oc.sharpness_check(0, 10.0, "9:16", QA).passed
    assert oc.sharpness_check(0, 300.0, "9:16", QA).passed


def test_a_loudness_miss_sends_compose_to_remaster_that_aspect_only() -> None:
    quiet = MediaAnalysis(loudness=LoudnessStats(-15.2, -3.0))
    fine = MediaAnalysis(loudness=LoudnessStats(-14.1, -3.0))
    checks = (
        *oc.analysis_checks(quiet, "9:16", -14.0, QA),
        *oc.analysis_checks(fine, "1:1", -14.0, QA),
    )
    report = QAReport(stage="output", checks=checks)
    assert report.redo == "compose"
    assert loudness_misses(report) == {"9:16"}
    # A report whose earliest redo is an earlier node: the pictures change, compose anew.
    blurry = oc.sharpness_check(0, 5.0, "9:16", QA)
    assert loudness_misses(report.model_copy(update={"checks": (*checks, blurry)})) == set()
    assert loudness_misses(None) == set()
