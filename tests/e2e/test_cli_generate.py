"""The main job end to end: `aistudio generate` on the bundled samples, checked independently."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import sample
from tests.media_assert import measure

pytestmark = pytest.mark.slow

CASES = {
    "promo": (
        "aurum-perfume.png",
        "AURUM Eau de Parfum, amber and vanilla with sandalwood, "
        "in a hand-polished glass bottle with a gold cap. Shop now at aurum.example",
    ),
    "fashion": (
        "northwind-jacket.png",
        "NORTHWIND storm jacket: waterproof recycled shell, "
        "taped seams and a relaxed fit for city rain. New season, order today",
    ),
    "ugc": (
        "glow-serum.png",
        "GLOW SERUM with vitamin C and hyaluronic acid. My skin looks "
        "brighter after one week and it absorbs fast. Try it today",
    ),
}


def _generate(
    cmd: list[str], env: dict[str, str], tmp: Path, kind: str, *extra: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    image, brief = CASES[kind]
    out = tmp / "out"
    proc = subprocess.run(
        [
            *cmd,
            "generate",
            kind,
            "--image",
            str(sample(image)),
            "--brief",
            brief,
            "--out",
            str(out),
            "--data-dir",
            str(tmp / "data"),
            "--job-id",
            f"e2e-{kind}",
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    return proc, out


@pytest.mark.parametrize("kind", ["promo", "ugc"])
def test_generate_12s_vertical_video_passes_every_check(
    kind: str, tmp_path: Path, aistudio_cmd: list[str], cli_env: dict[str, str], ffmpeg_exe: str
) -> None:
    proc, out = _generate(aistudio_cmd, cli_env, tmp_path, kind, "--voice-over")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for name in (
        "video_9x16.mp4",
        "poster_9x16.jpg",
        "storyboard.png",
        "captions.srt",
        "captions.vtt",
        "plan.json",
        "qa.json",
        "provenance.json",
    ):
        assert (out / name).stat().st_size > 0, name
    m = measure(out / "video_9x16.mp4", ffmpeg_exe)
    assert abs(m.duration_s - 12.0) <= 0.25
    assert (m.width, m.height) == (1080, 1920)
    assert (m.video_codec, m.audio_codec) == ("h264", "aac")
    assert abs(m.lufs - (-14.0)) <= 0.5, m
    assert m.true_peak <= -1.0, m
    qa = json.loads((out / "qa.json").read_text())
    failing = [c for c in qa["output"]["checks"] if not c["passed"]]
    assert qa["passed"], failing
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["tools"]["voice"].startswith("piper:")
    assert len(provenance["prompts"]) == len(
        json.loads((out / "plan.json").read_text())["shots"]["shots"]
    )
    srt = (out / "captions.srt").read_text()
    assert "-->" in srt


def test_fashion_in_two_aspects_from_one_plan(
    tmp_path: Path, aistudio_cmd: list[str], cli_env: dict[str, str], ffmpeg_exe: str
) -> None:
    proc, out = _generate(
        aistudio_cmd, cli_env, tmp_path, "fashion", "--aspect", "1:1,16:9", "--duration", "8"
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for tag, size in (("1x1", (1080, 1080)), ("16x9", (1920, 1080))):
        m = measure(out / f"video_{tag}.mp4", ffmpeg_exe)
        assert (m.width, m.height) == size
        assert abs(m.duration_s - 8.0) <= 0.25
        assert abs(m.lufs - (-14.0)) <= 0.5 and m.true_peak <= -1.0, m
    qa = json.loads((out / "qa.json").read_text())
    assert qa["passed"], [c for c in qa["output"]["checks"] if not c["passed"]]


def test_bad_image_fails_with_one_line_reason(
    tmp_path: Path, aistudio_cmd: list[str], cli_env: dict[str, str]
) -> None:
    fake = tmp_path / "photo.png"
    fake.write_text("this is not an image")
    proc = subprocess.run(
        [
            *aistudio_cmd,
            "generate",
            "promo",
            "--image",
            str(fake),
            "--brief",
            "A fine mug",
            "--data-dir",
            str(tmp_path / "data"),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "reason:" in proc.stdout or "error:" in proc.stderr


def test_missing_image_and_bad_options_are_one_line_errors(
    tmp_path: Path, aistudio_cmd: list[str], cli_env: dict[str, str]
) -> None:
    base = [
        *aistudio_cmd,
        "generate",
        "promo",
        "--brief",
        "A fine mug",
        "--data-dir",
        str(tmp_path / "d"),
    ]
    for extra in (
        ["--image", str(tmp_path / "nope.png")],
        ["--image", str(sample("aurum-perfume.png")), "--aspect", "4:3"],
        ["--image", str(sample("aurum-perfume.png")), "--duration", "2"],
    ):
        proc = subprocess.run(
            [*base, *extra], capture_output=True, text=True, env=cli_env, timeout=120, check=False
        )
        assert proc.returncode == 2, (extra, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert "error:" in proc.stderr


def test_doctor_reports_every_part_working(
    tmp_path: Path, aistudio_cmd: list[str], cli_env: dict[str, str]
) -> None:
    proc = subprocess.run(
        [*aistudio_cmd, "doctor", "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        env={**cli_env, "COLUMNS": "200"},
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for part in (
        "ffmpeg",
        "libx264, aac",
        "en_US-joe-medium",
        "synth-music",
        "rapidocr ok",
        "opennsfw",
        "data folder",
    ):
        assert part in proc.stdout, (part, proc.stdout)


def test_doctor_fails_on_a_broken_ffmpeg(
    tmp_path: Path, aistudio_cmd: list[str], cli_env: dict[str, str]
) -> None:
    broken = tmp_path / "ffmpeg"
    broken.write_text("#!/bin/sh\necho 'not really ffmpeg' >&2\nexit 3\n")
    broken.chmod(0o755)
    proc = subprocess.run(
        [*aistudio_cmd, "doctor", "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**cli_env, "COLUMNS": "200", "AISTUDIO_FFMPEG_BINARY": str(broken)},
    )
    assert proc.returncode != 0
    assert "exited with code 3" in proc.stdout
