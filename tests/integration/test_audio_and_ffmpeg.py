"""Real FFmpeg, real Piper, real music synth: the mix meets loudness, the runner fails typed,
a tiny composition comes out right, and crafted bad clips are caught by the analysis pass."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aistudio.errors import FFmpegError
from aistudio.tools.audio.music import SynthMusic
from aistudio.tools.audio.voice_piper import PiperVoiceSynth
from aistudio.tools.audio.wav import read_wav, write_wav
from aistudio.tools.ffmpeg.audio import parse_ebur128
from aistudio.tools.ffmpeg.engine import FFmpeg
from aistudio.tools.ffmpeg.runner import run_ffmpeg
from aistudio.tools.ffmpeg.spec import (
    AudioMixSpec,
    ClipShot,
    ComposeSpec,
    OverlayImage,
    StillShot,
    TransitionSpec,
    VoicePlacement,
)
from tests.media_assert import measure


@pytest.fixture
def ffmpeg(ffmpeg_exe: str) -> FFmpeg:
    return FFmpeg(ffmpeg_exe, timeout_s=120)


async def _run(*argv: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()[-2000:]
    return out.decode()


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples.astype(np.float64)))))


@pytest.mark.parametrize("mood", ["luxurious", "stylish", "upbeat", "calm", "warm"])
async def test_music_bed_fills_its_duration_and_differs_by_mood(mood: str, tmp_path: Path) -> None:
    music = SynthMusic()
    out = tmp_path / "bed.wav"
    await music.compose(mood, 96, 6.0, 3, out)  # type: ignore[arg-type]
    samples, rate = read_wav(out)
    assert abs(len(samples) / rate - 6.0) < 0.05
    assert np.max(np.abs(samples)) < 1.0
    # audible in every second: a bed that drops out would read as a broken video
    per_second = [_rms(samples[i * rate : (i + 1) * rate]) for i in range(6)]
    assert min(per_second) > 0.005, per_second
    if mood != "luxurious":
        other = tmp_path / "other.wav"
        await music.compose("luxurious", 96, 6.0, 3, other)
        assert read_wav(other)[0].shape != samples.shape or not np.allclose(
            read_wav(other)[0], samples
        )


async def test_piper_speaks_a_line(tmp_path: Path) -> None:
    voice = PiperVoiceSynth()
    seconds = await voice.synthesize("Warm amber and vanilla, made in Grasse.", tmp_path / "v.wav")
    samples, rate = read_wav(tmp_path / "v.wav")
    assert 1.0 < seconds < 5.0
    assert abs(len(samples) / rate - seconds) < 0.05
    assert _rms(samples) > 0.02
    slower = await voice.synthesize(
        "Warm amber and vanilla, made in Grasse.", tmp_path / "slow.wav", length_scale=1.3
    )
    assert slower > seconds * 1.1


async def test_a_piper_line_lasts_as_long_on_every_run(tmp_path: Path) -> None:
    # The planner fits lines into slots from their length: a length that drifted between
    # runs (noisy durations) made a fitting line overflow on another run.
    voice = PiperVoiceSynth()
    line = "I switched to this little bulb for my reading lamp and the light is so warm."
    lengths = {await voice.synthesize(line, tmp_path / f"{i}.wav") for i in range(4)}
    assert max(lengths) - min(lengths) < 0.02, sorted(lengths)


async def test_mix_hits_loudness_and_keeps_the_bed_after_the_voice(
    ffmpeg: FFmpeg, ffmpeg_exe: str, tmp_path: Path
) -> None:
    music = tmp_path / "music.wav"
    await SynthMusic().compose("warm", 100, 10.0, 1, music)
    voice = tmp_path / "voice.wav"
    await PiperVoiceSynth().synthesize("This serum absorbs fast and my skin looks brighter.", voice)
    spec = AudioMixSpec(
        duration_s=10.0,
        output=tmp_path / "master.wav",
        music=music,
        voices=(VoicePlacement(voice, 0.5),),
        duck_db=-12.0,
    )
    stats = await ffmpeg.mix_audio(spec)
    assert abs(stats.integrated_lufs + 14.0) <= 0.5, stats
    assert stats.true_peak_db <= -1.0, stats
    samples, rate = read_wav(spec.output)
    assert abs(len(samples) / rate - 10.0) < 0.05
    # the music goes on after the last line (the sidechain key is padded, not ended)
    tail = samples[int(7.5 * rate) : int(9.0 * rate)]
    assert _rms(tail) > 0.01
    # and an encoded copy measured independently agrees
    encoded = tmp_path / "m.m4a"
    await _run(
        ffmpeg_exe,
        "-v",
        "error",
        "-y",
        "-i",
        str(spec.output),
        "-c:a",
        "aac",
        "-b:a",
        "192k",
        str(encoded),
    )
    silent_video = tmp_path / "av.mp4"
    await _run(
        ffmpeg_exe,
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "color=c=gray:s=160x284:d=10:r=10",
        "-i",
        str(encoded),
        "-c:v",
        "libx264",
        "-c:a",
        "copy",
        "-shortest",
        str(silent_video),
    )
    m = measure(silent_video, ffmpeg_exe)
    assert abs(m.lufs + 14.0) <= 1.0
    assert m.true_peak <= -0.9


async def test_runner_raises_typed_error_with_stderr_tail(ffmpeg_exe: str, tmp_path: Path) -> None:
    with pytest.raises(FFmpegError) as info:
        await run_ffmpeg(
            [ffmpeg_exe, "-hide_banner", "-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"],
            timeout_s=30,
        )
    assert "exited with code" in str(info.value)
    assert "missing.mp4" in info.value.stderr_tail


async def test_runner_times_out_and_kills(ffmpeg_exe: str) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(FFmpegError, match="timed out"):
        await run_ffmpeg(
            [
                ffmpeg_exe,
                "-hide_banner",
                "-re",
                "-f",
                "lavfi",
                "-i",
                "sine=d=60",
                "-f",
                "null",
                "-",
            ],
            timeout_s=1.0,
        )
    assert loop.time() - started < 10


async def test_runner_cancel_kills_the_process(ffmpeg_exe: str) -> None:
    task = asyncio.create_task(
        run_ffmpeg(
            [
                ffmpeg_exe,
                "-hide_banner",
                "-re",
                "-f",
                "lavfi",
                "-i",
                "sine=d=60",
                "-f",
                "null",
                "-",
            ],
            timeout_s=120,
        )
    )
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    pgrep = await asyncio.create_subprocess_exec(
        "pgrep", "-f", "sine=d=60", stdout=asyncio.subprocess.PIPE
    )
    survivors, _ = await pgrep.communicate()
    assert survivors.strip() == b""


def _keyframe(path: Path, colour: tuple[int, int, int], size: tuple[int, int]) -> Path:
    # a textured still (gradient + a bar) so the moves have something to move
    w, h = size
    ys, xs = np.mgrid[0:h, 0:w]
    rgb = np.zeros((h, w, 3), np.uint8)
    for c in range(3):
        rgb[..., c] = np.clip(colour[c] * 0.6 + 0.4 * 255 * (xs / w + ys / h) / 2, 0, 255)
    rgb[h // 3 : h // 3 + h // 10, w // 4 : 3 * w // 4] = 240
    Image.fromarray(rgb).save(path)
    return path


async def test_tiny_composition_end_to_end(ffmpeg: FFmpeg, ffmpeg_exe: str, tmp_path: Path) -> None:
    size = (216, 384)  # headroom 1.2 over 180x320
    shots = (
        StillShot(_keyframe(tmp_path / "a.png", (200, 80, 40), size), 2.0, "push_in", 1.2),
        StillShot(_keyframe(tmp_path / "b.png", (40, 90, 200), size), 2.0, "pan_left", 1.2),
        StillShot(_keyframe(tmp_path / "c.png", (60, 160, 60), size), 1.5, "handheld", 1.2),
    )
    caption = Image.new("RGBA", (160, 40), (0, 0, 0, 0))
    caption.paste((255, 255, 255, 255), (10, 10, 150, 30))
    caption.save(tmp_path / "cap.png")
    audio = tmp_path / "tone.wav"
    t = np.arange(int(4.7 * 48_000)) / 48_000
    write_wav(audio, (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 48_000)
    spec = ComposeSpec(
        width=180,
        height=320,
        fps=24,
        shots=shots,
        transitions=(TransitionSpec("fade", 0.4), TransitionSpec("slideup", 0.4)),
        overlays=(OverlayImage(tmp_path / "cap.png", 10, 250, 0.5, 2.5),),
        audio=audio,
        duration_s=4.7,
        output=tmp_path / "tiny.mp4",
    )
    progress: list[float] = []
    await ffmpeg.compose(spec, on_progress=progress.append)
    assert progress
    assert progress[-1] == 1.0
    info = await ffmpeg.probe(spec.output)
    assert abs(info.duration_s - 4.7) <= 0.1
    assert (info.width, info.height, info.video_codec, info.audio_codec) == (
        180,
        320,
        "h264",
        "aac",
    )
    assert info.faststart
    frames = await ffmpeg.extract_frames(spec.output, [0.2, 1.5, 3.0, 4.5])
    assert [f.shape for f in frames] == [(320, 180, 3)] * 4
    # ... and only then: not before its start, not after its end
    assert frames[0][262:278, 30:150].mean() < 200
    assert frames[2][262:278, 30:150].mean() < 200
    # each shot's colour dominates its own part of the timeline
    assert frames[0][..., 0].mean() > frames[0][..., 2].mean()
    assert frames[2][..., 2].mean() > frames[2][..., 0].mean()
    # the caption is burned in during its window: a bright bar near the bottom
    assert frames[1][262:278, 30:150].mean() > 200
    analysis = await ffmpeg.analyze(spec.output)
    assert analysis.black == ()
    assert analysis.frozen == ()
    assert analysis.silent == ()
    m = measure(spec.output, ffmpeg_exe)
    assert m.audio_codec == "aac"


async def test_analysis_catches_black_frozen_and_silent_spans(
    ffmpeg: FFmpeg, ffmpeg_exe: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.mp4"
    # 2 s black, then 3 s of one frozen noise frame, then 3 s of moving noise; audio is a
    # tone for 2 s then 6 s of silence
    await _run(
        ffmpeg_exe,
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=160x284:d=2:r=24",
        "-f",
        "lavfi",
        "-i",
        "nullsrc=s=160x284:d=3:r=24,geq=random(1)*255:128:128,"
        "trim=end_frame=1,loop=loop=71:size=1:start=0,setpts=N/24/TB",
        "-f",
        "lavfi",
        "-i",
        "nullsrc=s=160x284:d=3:r=24,geq=random(1)*255:128:128",
        "-f",
        "lavfi",
        "-i",
        "sine=f=440:d=2,apad=whole_dur=8",
        "-filter_complex",
        "[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]",
        "-map",
        "[v]",
        "-map",
        "3:a",
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        "-t",
        "8",
        str(bad),
    )
    found = await ffmpeg.analyze(bad)
    assert found.black
    assert found.black[0].start_s == pytest.approx(0.0, abs=0.1)
    assert found.black[0].end_s == pytest.approx(2.0, abs=0.2)
    assert any(abs(f.start_s - 2.0) < 0.3 and f.length_s > 2.0 for f in found.frozen), found
    assert any(s.start_s < 2.5 and s.end_s > 7.5 for s in found.silent), found.silent
    assert found.loudness is not None


@pytest.mark.parametrize("bed_gain_db", [-20.0, 0.0])
async def test_both_normalisation_paths_land_on_target(
    ffmpeg: FFmpeg, tmp_path: Path, bed_gain_db: float
) -> None:
    # A soft sine has headroom (pure gain); a bed with hot transients needs loudnorm.
    rate = 48_000
    t = np.arange(8 * rate) / rate
    signal = 0.05 * np.sin(2 * np.pi * 220 * t)
    if bed_gain_db == 0.0:
        signal[:: rate // 4] = 0.3  # clicks: peaks well above what a pure gain allows
    bed = tmp_path / "bed.wav"
    write_wav(bed, signal.astype(np.float32), rate)
    spec = AudioMixSpec(
        duration_s=8.0, output=tmp_path / "out.wav", music=bed, music_gain_db=bed_gain_db
    )
    reported = await ffmpeg.mix_audio(spec)
    # measured independently on the written file
    report = await run_ffmpeg(
        [
            ffmpeg.binary,
            "-hide_banner",
            "-nostats",
            "-i",
            str(spec.output),
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        timeout_s=60,
    )
    stats, _ = parse_ebur128(report)
    assert stats.true_peak_db <= -1.0, (reported, stats)
    assert abs(reported.integrated_lufs - stats.integrated_lufs) <= 0.2
    if bed_gain_db < 0:  # a pure gain is exact
        assert abs(stats.integrated_lufs + 14.0) <= 0.15, (reported, stats)
    else:
        # loudnorm's limiter gives back a little loudness on transient-heavy material
        # (-14.7 here); the product tolerance is +-1 LU
        assert abs(stats.integrated_lufs + 14.0) <= 1.0, (reported, stats)


async def test_clips_and_stills_share_one_timeline(
    ffmpeg: FFmpeg, ffmpeg_exe: str, tmp_path: Path
) -> None:
    # A hosted model's clip (24 fps, another size) between two stills: one clock throughout.
    clip = tmp_path / "model.mp4"
    await _run(
        ffmpeg_exe,
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=360x640:r=24:d=4",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        str(clip),
    )
    still = _keyframe(tmp_path / "s.png", (200, 80, 40), (216, 384))
    spec = ComposeSpec(
        width=180,
        height=320,
        fps=30,
        shots=(
            StillShot(still, 2.0, "push_in", 1.2),
            ClipShot(clip, 3.0),
            StillShot(still, 1.5, "settle", 1.2),
        ),
        transitions=(TransitionSpec("fade", 0.4), TransitionSpec("fadeblack", 0.4)),
        overlays=(),
        audio=None,
        duration_s=5.7,
        output=tmp_path / "mixed.mp4",
    )
    await ffmpeg.compose(spec)
    info = await ffmpeg.probe(spec.output)
    assert abs(info.duration_s - 5.7) <= 0.05
    assert info.fps == pytest.approx(30.0)
    frames = await ffmpeg.extract_frames(spec.output, [1.0, 3.5, 5.5])
    # the clip's test pattern is colourful, the stills are a warm gradient
    assert np.std(frames[1].astype(float)) > np.std(frames[0].astype(float))
