"""Tiny WAV helpers on the standard library + numpy."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write float samples in [-1, 1] (shape (n,) or (n, channels)) as 16-bit PCM."""
    data = np.asarray(samples, dtype=np.float32)
    channels = 1 if data.ndim == 1 else data.shape[1]
    pcm = (np.clip(data, -1.0, 1.0) * 32767.0).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as fh:
        fh.setnchannels(channels)
        fh.setsampwidth(2)
        fh.setframerate(sample_rate)
        fh.writeframes(pcm.tobytes())


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Float samples (n, channels) in [-1, 1] and the sample rate of a 16-bit PCM WAV."""
    with wave.open(str(path), "rb") as fh:
        if fh.getsampwidth() != 2:
            raise ValueError(f"{path.name}: only 16-bit PCM is supported")
        frames = fh.readframes(fh.getnframes())
        channels, rate = fh.getnchannels(), fh.getframerate()
    data = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
    return data.reshape(-1, channels), rate


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as fh:
        return fh.getnframes() / float(fh.getframerate())


def trim_silence(
    samples: np.ndarray, sample_rate: int, *, threshold: float = 0.01, keep_s: float = 0.03
) -> np.ndarray:
    """Cut leading/trailing near-silence, keeping a few ms so consonants aren't clipped."""
    level = np.abs(samples if samples.ndim == 1 else samples.max(axis=1))
    loud = np.flatnonzero(level > threshold)
    if loud.size == 0:
        return samples[:0]
    keep = int(keep_s * sample_rate)
    start = max(0, int(loud[0]) - keep)
    end = min(len(samples), int(loud[-1]) + keep + 1)
    return samples[start:end]
