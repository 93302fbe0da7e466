"""OpenAI text-to-speech (POST /v1/audio/speech) as a `VoiceSynth`, on the async SDK.

Same contract as the Piper voice: normalised text in, a trimmed mono 16-bit WAV out, its
duration back. `length_scale` (Piper's "slower when > 1") maps to the API's `speed`.
"""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import numpy as np
import openai

from aistudio.errors import ProviderError
from aistudio.settings import Settings
from aistudio.tools.audio.voice_piper import normalise_for_speech
from aistudio.tools.audio.wav import trim_silence, write_wav
from aistudio.tools.llm import make_async_client, provider_error

MIN_SPEED, MAX_SPEED = 0.25, 4.0  # the API's accepted range
MAX_INPUT_CHARS = 4096  # the API's limit per request
_STREAMED_SIZE = 0xFFFFFFFF  # a streamed WAV does not know its length up front


def decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Mono float samples and the rate of a 16-bit PCM WAV.

    Parsed by hand rather than with `wave`: the API streams its WAV, so the RIFF and data
    sizes may be placeholders (0 or 0xFFFFFFFF); the data then runs to the end of the body.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE body")
    pos, channels, rate, bits = 12, 0, 0, 0
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = pos + 8
        if chunk == b"fmt ":
            fmt, channels, rate = struct.unpack("<HHI", data[body : body + 8])
            bits = struct.unpack("<H", data[body + 14 : body + 16])[0]
            if fmt not in (1, 0xFFFE) or bits != 16:
                raise ValueError(f"unsupported WAV encoding (format {fmt}, {bits} bits)")
        elif chunk == b"data":
            if not channels:
                raise ValueError("WAV data before its fmt chunk")
            end = len(data) if size in (0, _STREAMED_SIZE) else min(len(data), body + size)
            end -= (end - body) % (2 * channels)
            pcm = np.frombuffer(data[body:end], dtype="<i2").astype(np.float32) / 32768.0
            return pcm.reshape(-1, channels).mean(axis=1), rate
        pos = body + size + (size & 1)
    raise ValueError("WAV without a data chunk")


class OpenAIVoiceSynth:
    """The voice-over on OpenAI's speech endpoint (model and voice from settings)."""

    name = "openai-tts"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.model = settings.llm.tts_model
        self.voice_id = settings.llm.tts_voice
        self._client: openai.AsyncOpenAI | None = None

    async def _sdk(self) -> openai.AsyncOpenAI:
        # Built on first use, in a thread: the client reads CA certificates from disk.
        if self._client is None:
            self._client = await asyncio.to_thread(make_async_client, self.settings)
        return self._client

    async def synthesize(self, text: str, out: Path, *, length_scale: float = 1.0) -> float:
        spoken = normalise_for_speech(text)[:MAX_INPUT_CHARS]
        if not spoken:
            raise ValueError("nothing to say: the line has no speakable words")
        speed = min(MAX_SPEED, max(MIN_SPEED, 1.0 / max(length_scale, 1e-3)))
        provider = f"openai-tts({self.model})"
        client = await self._sdk()
        try:
            response = await client.audio.speech.create(
                model=self.model,
                voice=self.voice_id,
                input=spoken,
                response_format="wav",
                speed=round(speed, 3),
            )
        except openai.APIError as exc:
            raise provider_error(exc, provider) from exc
        try:
            samples, rate = decode_wav(response.content)
        except (ValueError, struct.error) as exc:
            raise ProviderError(f"unreadable audio: {exc}", provider=provider) from exc
        return await asyncio.to_thread(self._write, samples, rate, out)

    @staticmethod
    def _write(samples: np.ndarray, rate: int, out: Path) -> float:
        audio = trim_silence(samples, rate)
        if audio.size == 0:
            raise ProviderError("the speech came back silent", provider="openai-tts")
        write_wav(out, audio, rate)
        return float(len(audio) / rate)
