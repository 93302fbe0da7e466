"""OpenAI moderation and speech through the real async SDK against the loopback OpenAI, and
the toolbox choosing planner, moderator and voice from settings."""

from __future__ import annotations

import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from pydantic import SecretStr

from aistudio.errors import ProviderError, ToolUnavailable
from aistudio.settings import LLMSettings, Settings
from aistudio.tools.audio.voice_openai import OpenAIVoiceSynth, decode_wav
from aistudio.tools.audio.voice_piper import PiperVoiceSynth
from aistudio.tools.moderation.local import LocalModerator
from aistudio.tools.moderation.openai import OpenAIModerator
from aistudio.tools.planner.llm import LLMPlanner
from aistudio.tools.planner.offline import OfflinePlanner
from aistudio.tools.toolbox import build_toolbox
from aistudio.tools.vision.analysis import AnalysingIngestor
from tests.conftest import sample
from tests.fakes.asgi import FaultPlan, serving
from tests.fakes.openai import SPEECH_RATE, FakeOpenAI, speech_seconds, speech_wav


def _settings(fake: FakeOpenAI, **llm: object) -> Settings:
    options: dict[str, object] = {
        "base_url": f"{fake.base_url}/v1",
        "timeout_s": 2.0,
        "max_retries": 2,
        **llm,
    }
    return Settings(openai_api_key=SecretStr("sk-test"), llm=LLMSettings.model_validate(options))


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    service = FakeOpenAI()
    async with serving(service):
        yield service


async def test_moderation_passes_clean_text_and_flags_violent_text(fake: FakeOpenAI) -> None:
    moderator = OpenAIModerator(_settings(fake))
    clean = await moderator.check_text("A perfume bottle in warm light.", subject="brief")
    assert clean.allowed and clean.categories == ()
    assert clean.tool == "openai(omni-moderation-latest)"
    fake.flag_terms.add("massacre")
    flagged = await moderator.check_text("A massacre in the perfume shop", subject="brief")
    assert not flagged.allowed and flagged.categories == ("violence",)
    assert flagged.scores["violence"] == pytest.approx(0.93)
    assert flagged.reason == "flagged violence"
    body = fake.requests[-1].json()
    assert body == {
        "model": "omni-moderation-latest",
        "input": [{"type": "text", "text": "A massacre in the perfume shop"}],
    }
    prompts = await moderator.check_prompts(["calm bottle", "a massacre scene"])
    assert not prompts.allowed and prompts.subject == "prompts"


async def test_moderation_sends_frames_as_data_urls_a_few_per_call(fake: FakeOpenAI) -> None:
    moderator = OpenAIModerator(_settings(fake))
    frames = [sample("aurum-perfume.png")] * 6
    verdict = await moderator.check_images(frames, subject="frames", humans_allowed=False)
    assert verdict.allowed
    calls = [r.json() for r in fake.requests if r.route == "moderations"]
    assert [len(c["input"]) for c in calls] == [4, 2]
    assert all(
        i["image_url"]["url"].startswith("data:image/png;base64,")
        for c in calls
        for i in c["input"]
    )
    fake.flag_images = True
    flagged = await moderator.check_images(frames[:1], subject="frames", humans_allowed=True)
    assert not flagged.allowed and flagged.categories == ("sexual",)


async def test_moderation_errors_are_provider_errors() -> None:
    fake = FakeOpenAI(faults=FaultPlan(scripted={"moderations": ["500"] * 3}))
    async with serving(fake):
        with pytest.raises(ProviderError) as caught:
            await OpenAIModerator(_settings(fake)).check_text("hello", subject="brief")
        assert (caught.value.status, caught.value.retryable) == (500, True)
        assert fake.count("moderations") == 3  # the SDK retried twice
        wrong = _settings(fake).model_copy(update={"openai_api_key": SecretStr("sk-wrong")})
        with pytest.raises(ProviderError) as denied:
            await OpenAIModerator(wrong).check_text("hello", subject="brief")
        assert (denied.value.status, denied.value.retryable) == (401, False)


@pytest.mark.parametrize("streamed", [False, True])
async def test_speech_writes_a_trimmed_mono_wav_of_the_right_length(
    fake: FakeOpenAI,
    tmp_path: Path,
    streamed: bool,
) -> None:
    fake.streamed_wav = streamed
    voice = OpenAIVoiceSynth(_settings(fake, tts_voice="nova"))
    text = "I use it every single morning now."
    out = tmp_path / "line.wav"
    seconds = await voice.synthesize(text, out)
    expected = speech_seconds(text)
    assert seconds == pytest.approx(expected, abs=0.08)  # padding trimmed, as Piper's lines
    with wave.open(str(out), "rb") as fh:
        assert (fh.getnchannels(), fh.getsampwidth(), fh.getframerate()) == (1, 2, SPEECH_RATE)
        assert fh.getnframes() / SPEECH_RATE == pytest.approx(seconds)
    body = fake.requests[-1].json()
    assert body == {
        "model": "gpt-4o-mini-tts",
        "voice": "nova",
        "input": text,
        "response_format": "wav",
        "speed": 1.0,
    }
    slow = await voice.synthesize(text, tmp_path / "slow.wav", length_scale=2.0)
    assert fake.requests[-1].json()["speed"] == 0.5
    assert slow == pytest.approx(2 * expected, abs=0.08)


async def test_speech_errors_and_unreadable_audio(fake: FakeOpenAI, tmp_path: Path) -> None:
    voice = OpenAIVoiceSynth(_settings(fake, tts_model="tts-1"))
    fake.faults.scripted["speech"] = ["502-nginx"] * 3
    with pytest.raises(ProviderError) as caught:
        await voice.synthesize("Hello there.", tmp_path / "x.wav")
    assert (caught.value.status, caught.value.retryable) == (502, True)
    with pytest.raises(ValueError, match="no speakable words"):
        await voice.synthesize("🙂", tmp_path / "x.wav")
    with pytest.raises(ValueError, match="RIFF"):
        decode_wav(b"ID3 not a wav at all")
    samples, rate = decode_wav(speech_wav(0.5))
    assert rate == SPEECH_RATE and samples.ndim == 1
    assert np.abs(samples).max() > 0.3


def test_toolbox_picks_planner_moderator_and_voice_from_settings(tmp_path: Path) -> None:
    offline = build_toolbox(Settings(data_dir=tmp_path))
    assert isinstance(offline.planner, OfflinePlanner)
    assert isinstance(offline.moderator, LocalModerator)
    assert isinstance(offline.voice, PiperVoiceSynth)
    key = SecretStr("sk-test")
    hosted = build_toolbox(
        Settings(data_dir=tmp_path, openai_api_key=key, llm=LLMSettings(voice="openai"))
    )
    assert isinstance(hosted.planner, LLMPlanner)
    assert isinstance(hosted.ingestor, AnalysingIngestor)
    assert isinstance(hosted.moderator, OpenAIModerator)  # default with a key
    assert isinstance(hosted.voice, OpenAIVoiceSynth)
    assert hosted.soundtrack.voice is hosted.voice
    local_llm = build_toolbox(
        Settings(data_dir=tmp_path, llm=LLMSettings(base_url="http://127.0.0.1:11434/v1"))
    )  # Ollama: no key, local moderation
    assert isinstance(local_llm.planner, LLMPlanner)
    assert isinstance(local_llm.moderator, LocalModerator)
    forced = build_toolbox(
        Settings(data_dir=tmp_path, openai_api_key=key, llm=LLMSettings(moderation="local"))
    )
    assert isinstance(forced.moderator, LocalModerator)
    with pytest.raises(ToolUnavailable, match="OpenAI voice needs"):
        build_toolbox(Settings(data_dir=tmp_path, llm=LLMSettings(voice="openai")))
    with pytest.raises(ToolUnavailable, match="OpenAI moderation needs"):
        build_toolbox(Settings(data_dir=tmp_path, llm=LLMSettings(moderation="openai")))
