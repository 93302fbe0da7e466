"""Pure FFmpeg builders: audio and analysis argv, parsers and the voice fitter; no ffmpeg
runs. (The composition's filtergraph: test_compose_graph.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from aistudio.artifacts import VoiceLine
from aistudio.tools.audio.fit import MAX_TEMPO, fit_voice_lines
from aistudio.tools.ffmpeg.analysis import build_analysis_argv, parse_analysis
from aistudio.tools.ffmpeg.audio import (
    build_mix_argv,
    loudnorm_filter,
    normalise_gain_db,
    parse_ebur128,
    parse_loudnorm,
)
from aistudio.tools.ffmpeg.spec import AudioMixSpec, LoudnessStats, VoicePlacement


def test_mix_argv_ducks_music_under_a_padded_voice_bus() -> None:
    spec = AudioMixSpec(
        duration_s=12.0,
        output=Path("/o/m.wav"),
        music=Path("/m.wav"),
        voices=(
            VoicePlacement(Path("/v1.wav"), 0.5),
            VoicePlacement(Path("/v2.wav"), 6.0, tempo=1.1),
        ),
    )
    argv = build_mix_argv(spec, "ffmpeg", Path("/o/pre.wav"))
    graph = argv[argv.index("-filter_complex") + 1]
    assert "sidechaincompress" in graph
    assert "adelay=500:all=1" in graph
    assert "adelay=6000:all=1" in graph
    assert "atempo=1.1" in graph
    # without apad on the key, the compressor (and the music) would stop with the last line
    assert "duration=longest,apad,asplit=2[voice][key]" in graph
    assert "atrim=0:12" in graph


def test_mix_argv_music_only_and_silence() -> None:
    music_only = build_mix_argv(
        AudioMixSpec(duration_s=8.0, output=Path("/o.wav"), music=Path("/m.wav")),
        "ffmpeg",
        Path("/p.wav"),
    )
    assert "sidechaincompress" not in " ".join(music_only)
    silent = build_mix_argv(
        AudioMixSpec(duration_s=8.0, output=Path("/o.wav")), "ffmpeg", Path("/p.wav")
    )
    assert any(a.startswith("anullsrc=") for a in silent)


def test_loudnorm_second_pass_is_linear_with_true_peak_margin() -> None:
    spec = AudioMixSpec(duration_s=12.0, output=Path("/o.wav"))
    first = loudnorm_filter(spec, None)
    assert "I=-14" in first
    assert "TP=-1.6" in first  # -1 dBTP target minus margin for the AAC encode
    second = loudnorm_filter(spec, LoudnessStats(-20.5, -3.2, 6.0), -30.7)
    assert "measured_I=-20.5" in second
    assert "measured_thresh=-30.7" in second
    assert second.endswith("linear=true")


def test_parse_loudnorm_reads_the_last_report() -> None:
    stderr = (
        '[Parsed_loudnorm_0 @ 0x1] \n{\n "input_i" : "-22.10",\n "input_tp" : "-4.00",\n'
        ' "input_lra" : "3.20",\n "input_thresh" : "-32.50",\n "output_i" : "-14.02",\n'
        ' "output_tp" : "-1.70",\n "output_lra" : "3.10",\n'
        ' "normalization_type" : "linear"\n}\n'
    )
    values = parse_loudnorm(stderr)
    assert values["input_i"] == pytest.approx(-22.1)
    assert values["output_tp"] == pytest.approx(-1.7)
    with pytest.raises(ValueError, match="no loudnorm report"):
        parse_loudnorm("nothing here")


def test_analysis_argv_and_parser() -> None:
    argv = build_analysis_argv(
        Path("/v.mp4"),
        "ffmpeg",
        black_min_s=0.5,
        freeze_min_s=1.0,
        silence_db=-50,
        silence_min_s=1.5,
        has_audio=True,
    )
    graph = argv[argv.index("-filter_complex") + 1]
    assert "blackdetect=d=0.5" in graph
    assert "freezedetect=n=-60dB:d=1.0" in graph
    assert "silencedetect=n=-50dB:d=1.5" in graph
    stderr = (
        "[blackdetect @ 0x] black_start:0 black_end:1.2 black_duration:1.2\n"
        "[freezedetect @ 0x] lavfi.freezedetect.freeze_start: 3.5\n"
        "[freezedetect @ 0x] lavfi.freezedetect.freeze_end: 5\n"
        "[freezedetect @ 0x] lavfi.freezedetect.freeze_start: 10\n"
        "[silencedetect @ 0x] silence_start: -0.01\n"
        "[silencedetect @ 0x] silence_end: 2 | silence_duration: 2\n"
        "  Integrated loudness:\n    I:         -14.1 LUFS\n    Threshold: -24.3 LUFS\n\n"
        "  Loudness range:\n    LRA:         4.2 LU\n\n"
        "  True peak:\n    Peak:        -1.3 dBFS\n"
    )
    found = parse_analysis(stderr, duration_s=12.0)
    assert [(s.start_s, s.end_s) for s in found.black] == [(0.0, 1.2)]
    # a freeze still open at the end is closed at the duration
    assert [(s.start_s, s.end_s) for s in found.frozen] == [(3.5, 5.0), (10.0, 12.0)]
    assert [(s.start_s, s.end_s) for s in found.silent] == [(0.0, 2.0)]
    assert found.loudness == LoudnessStats(-14.1, -1.3, 4.2)


def _line(i: int, start: float, max_end: float) -> VoiceLine:
    return VoiceLine(shot_index=i, text=f"line {i}", start_s=start, max_end_s=max_end)


def test_voice_fit_keeps_lines_that_fit_at_natural_speed() -> None:
    fit = fit_voice_lines([_line(0, 0.5, 4.0), _line(1, 4.5, 11.0)], [2.0, 3.0])
    assert [p.tempo for p in fit.placements] == [1.0, 1.0]
    assert [(c.start_s, c.end_s) for c in fit.spoken] == [(0.5, 2.5), (4.5, 7.5)]
    assert fit.overflow == ()


def test_voice_fit_speeds_up_a_little_then_reports_overflow() -> None:
    fit = fit_voice_lines([_line(0, 0.5, 4.0), _line(1, 4.0, 6.0)], [3.6, 4.0])
    # line 1 must end before line 2 starts (minus a breath): 3.42 s slot for 3.6 s of speech
    assert 1.0 < fit.placements[0].tempo <= MAX_TEMPO
    assert fit.spoken[0].end_s <= 4.0
    assert fit.placements[1].tempo == pytest.approx(MAX_TEMPO)
    assert len(fit.overflow) == 1
    assert fit.overflow[0].startswith("line 2")


def test_voice_fit_needs_one_duration_per_line() -> None:
    with pytest.raises(ValueError, match="one duration per voice line"):
        fit_voice_lines([_line(0, 0.0, 3.0)], [])


EBUR128_SUMMARY = (
    "[Parsed_ebur128_0 @ 0x5] Summary:\n\n  Integrated loudness:\n    I:         -21.3 LUFS\n"
    "    Threshold: -31.6 LUFS\n\n  Loudness range:\n    LRA:         5.1 LU\n"
    "    Threshold: -41.5 LUFS\n    LRA low:   -24.8 LUFS\n    LRA high:  -19.7 LUFS\n\n"
    "  True peak:\n    Peak:        -6.2 dBFS\n"
)


def test_parse_ebur128_summary() -> None:
    stats, threshold = parse_ebur128(EBUR128_SUMMARY)
    assert stats == LoudnessStats(-21.3, -6.2, 5.1)
    assert threshold == pytest.approx(-31.6)
    with pytest.raises(ValueError, match="no ebur128 summary"):
        parse_ebur128("Integrated loudness: nothing")


def test_pure_gain_only_when_the_peaks_allow_it() -> None:
    spec = AudioMixSpec(duration_s=12.0, output=Path("/o.wav"))  # -14 LUFS, -1 dBTP
    # +7.3 dB lands on -14 LUFS with the peak at -12.5 + 7.3 = -5.2 dBTP: a gain will do
    assert normalise_gain_db(spec, LoudnessStats(-21.3, -12.5, 4.0)) == pytest.approx(7.3)
    # the same gain would put the peak at +1.1 dBTP: loudnorm must shape the peaks
    assert normalise_gain_db(spec, LoudnessStats(-21.3, -6.2, 4.0)) is None
    # just inside the margin (-1.6 dBTP after gain) is still a gain
    assert normalise_gain_db(spec, LoudnessStats(-20.0, -7.6, 4.0)) == pytest.approx(6.0)
