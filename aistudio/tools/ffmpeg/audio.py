"""Soundtrack mixing and loudness normalisation.

Three short passes over a 12 s stereo track:
  1. mix: music bed (faded, ducked under the voice by a sidechain compressor) + placed lines;
  2. measure: EBU R128 (integrated, true peak, LRA, gate threshold) with `ebur128`, which
     runs at 4x oversampling (0.1 s here) where `loudnorm`'s analysis works at 192 kHz (0.4 s);
  3. normalise: a pure gain when the peaks allow it (almost always: the bed and the voice
     have headroom), else `loudnorm` in linear mode with the measured values; a little
     true-peak margin is kept for the AAC encode.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from aistudio.errors import FFmpegError
from aistudio.tools.ffmpeg.runner import run_ffmpeg
from aistudio.tools.ffmpeg.spec import AudioMixSpec, LoudnessStats

# AAC encoding overshoots true peak by a few tenths of a dB; aim this far below the limit.
TRUE_PEAK_MARGIN_DB = 0.6
_JSON_RE = re.compile(r"\{[^{}]*\"input_i\"[^{}]*\}", re.S)
_EBU_I = re.compile(
    r"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf)\s*LUFS\s*\n"
    r"\s*Threshold:\s*(-?[\d.]+|-inf)\s*LUFS"
)
_EBU_LRA = re.compile(r"Loudness range:\s*\n\s*LRA:\s*([\d.]+)\s*LU")
_EBU_TP = re.compile(r"True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf)\s*dBFS")
SILENCE_LUFS = -69.0  # below this the mix is digital silence: nothing to normalise


def _db(text: str) -> float:
    return float("-inf") if text == "-inf" else float(text)


def _n(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def build_mix_argv(spec: AudioMixSpec, ffmpeg: str, output: Path) -> list[str]:
    """Pass 1: music + voices -> premix WAV of exactly spec.duration_s."""
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-v", "error"]
    fmt = f"aresample={spec.sample_rate},aformat=sample_fmts=fltp:channel_layouts=stereo"
    graph: list[str] = []
    index = 0
    if spec.music is not None:
        argv += ["-i", str(spec.music)]
        fade_out_start = max(0.0, spec.duration_s - spec.fade_out_s)
        graph.append(
            f"[0:a]{fmt},atrim=0:{_n(spec.duration_s)},afade=t=in:d={_n(spec.fade_in_s)},"
            f"afade=t=out:st={_n(fade_out_start)}:d={_n(spec.fade_out_s)},"
            f"volume={_n(spec.music_gain_db)}dB[music]"
        )
        index = 1
    else:
        argv += [
            "-f",
            "lavfi",
            "-i",
            f"anullsrc=r={spec.sample_rate}:cl=stereo:d={_n(spec.duration_s)}",
        ]
        graph.append(f"[0:a]{fmt}[music]")
        index = 1
    voice_labels = []
    for k, voice in enumerate(spec.voices):
        argv += ["-i", str(voice.path)]
        tempo = f"atempo={_n(voice.tempo)}," if abs(voice.tempo - 1.0) > 1e-3 else ""
        delay = round(voice.start_s * 1000)
        graph.append(f"[{index + k}:a]{fmt},{tempo}adelay={delay}:all=1[v{k}]")
        voice_labels.append(f"[v{k}]")
    end = f"apad,atrim=0:{_n(spec.duration_s)},asetpts=PTS-STARTPTS"
    if voice_labels:
        # The voice bus is padded with silence: sidechaincompress ends with its sidechain,
        # and an unpadded key would cut the music off after the last line.
        graph.append(
            "".join(voice_labels) + f"amix=inputs={len(voice_labels)}:normalize=0"
            f":duration=longest,apad,asplit=2[voice][key]"
        )
        # Duck the music under the voice: the threshold sits just above the bed's level,
        # so only speech pushes it down; ratio and makeup set the depth (~duck_db).
        ratio = max(2.0, min(20.0, abs(spec.duck_db) / 1.5))
        graph.append(
            f"[music][key]sidechaincompress=threshold=0.03:ratio={_n(ratio)}"
            f":attack=15:release=350:knee=4[ducked]"
        )
        graph.append(f"[ducked][voice]amix=inputs=2:normalize=0:duration=first,{end}[mix]")
    else:
        graph.append(f"[music]{end}[mix]")
    argv += [
        "-filter_complex",
        ";".join(graph),
        "-map",
        "[mix]",
        "-ar",
        str(spec.sample_rate),
        "-ac",
        "2",
        "-c:a",
        "pcm_s16le",
        str(output),
    ]
    return argv


def loudnorm_filter(
    spec: AudioMixSpec, measured: LoudnessStats | None, threshold: float | None = None
) -> str:
    target_tp = spec.true_peak_db - TRUE_PEAK_MARGIN_DB
    base = f"loudnorm=I={_n(spec.target_lufs)}:TP={_n(target_tp)}:LRA=11:print_format=json"
    if measured is None:
        return base
    return (
        f"{base}:measured_I={_n(measured.integrated_lufs)}"
        f":measured_TP={_n(measured.true_peak_db)}:measured_LRA={_n(measured.lra)}"
        f":measured_thresh={_n(threshold if threshold is not None else -70.0)}:linear=true"
    )


def parse_ebur128(stderr: str) -> tuple[LoudnessStats, float]:
    """(integrated / true peak / LRA, gate threshold) from ebur128's closing summary."""
    integrated = _EBU_I.search(stderr)
    peak = _EBU_TP.search(stderr)
    if integrated is None or peak is None:
        raise ValueError("no ebur128 summary in ffmpeg output")
    lra = _EBU_LRA.search(stderr)
    stats = LoudnessStats(
        _db(integrated.group(1)), _db(peak.group(1)), float(lra.group(1)) if lra else 0.0
    )
    return stats, _db(integrated.group(2))


def normalise_gain_db(spec: AudioMixSpec, measured: LoudnessStats) -> float | None:
    """The pure gain that lands on the target loudness, or None when it would push the true
    peak past the limit (then loudnorm must shape the peaks)."""
    gain = spec.target_lufs - measured.integrated_lufs
    if measured.true_peak_db + gain > spec.true_peak_db - TRUE_PEAK_MARGIN_DB + 1e-9:
        return None
    return gain


def parse_loudnorm(stderr: str) -> dict[str, float]:
    reports = _JSON_RE.findall(stderr)
    if not reports:
        raise ValueError("no loudnorm report in ffmpeg output")
    raw = json.loads(reports[-1])
    return {k: float(v) for k, v in raw.items() if k != "normalization_type"}


async def measure_ebur128(path: Path, ffmpeg: str, timeout_s: float) -> tuple[LoudnessStats, float]:
    """Integrated loudness, true peak and the gating threshold of a file's audio (ebur128;
    a video's picture is not decoded)."""
    report = await run_ffmpeg(
        [
            ffmpeg,
            "-hide_banner",
            "-nostdin",
            "-nostats",
            "-i",
            str(path),
            "-vn",
            "-af",
            "ebur128=peak=true:framelog=quiet",
            "-f",
            "null",
            "-",
        ],
        timeout_s=timeout_s,
    )
    try:
        return parse_ebur128(report)
    except ValueError as exc:
        raise FFmpegError(str(exc), argv=["ebur128-measure"], stderr_tail=report[-2000:]) from exc


async def mix_audio(spec: AudioMixSpec, ffmpeg: str, timeout_s: float) -> LoudnessStats:
    premix = spec.output.with_name(spec.output.stem + ".premix.wav")
    await run_ffmpeg(build_mix_argv(spec, ffmpeg, premix), timeout_s=timeout_s)
    measured, threshold = await measure_ebur128(premix, ffmpeg, timeout_s)
    if measured.integrated_lufs < SILENCE_LUFS:
        await asyncio.to_thread(premix.replace, spec.output)
        return measured
    gain = normalise_gain_db(spec, measured)
    if gain is not None:
        # A gain moves integrated loudness and true peak by exactly itself (R128 is linear).
        await run_ffmpeg(
            [
                ffmpeg,
                "-hide_banner",
                "-nostdin",
                "-y",
                "-v",
                "error",
                "-i",
                str(premix),
                "-af",
                f"volume={_n(gain)}dB",
                "-ar",
                str(spec.sample_rate),
                "-ac",
                "2",
                "-c:a",
                "pcm_s16le",
                str(spec.output),
            ],
            timeout_s=timeout_s,
        )
        await asyncio.to_thread(premix.unlink, missing_ok=True)
        return LoudnessStats(
            round(measured.integrated_lufs + gain, 2),
            round(measured.true_peak_db + gain, 2),
            measured.lra,
        )
    final = await run_ffmpeg(
        [
            ffmpeg,
            "-hide_banner",
            "-nostdin",
            "-nostats",
            "-y",
            "-i",
            str(premix),
            "-af",
            loudnorm_filter(spec, measured, threshold) + f",aresample={spec.sample_rate}",
            "-ar",
            str(spec.sample_rate),
            "-ac",
            "2",
            "-c:a",
            "pcm_s16le",
            str(spec.output),
        ],
        timeout_s=timeout_s,
    )
    await asyncio.to_thread(premix.unlink, missing_ok=True)
    try:
        result = parse_loudnorm(final)
    except ValueError as exc:
        raise FFmpegError(str(exc), argv=["loudnorm-apply"], stderr_tail=final[-2000:]) from exc
    return LoudnessStats(result["output_i"], result["output_tp"], result["output_lra"])
