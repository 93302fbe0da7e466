"""Fitting synthesised voice lines into their slots on the timeline (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aistudio.artifacts import Caption, VoiceLine

MAX_TEMPO = 1.2  # beyond this, sped-up speech sounds rushed; the Audio agent must shorten
_GAP_S = 0.08  # breathing room before the next line starts


@dataclass(frozen=True)
class Placement:
    start_s: float
    tempo: float


@dataclass(frozen=True)
class FitResult:
    placements: tuple[Placement, ...]
    spoken: tuple[Caption, ...]  # actual intervals on the final timeline
    overflow: tuple[str, ...]  # human-readable notes for lines that could not fit


def fit_voice_lines(
    lines: Sequence[VoiceLine], durations_s: Sequence[float], *, max_tempo: float = MAX_TEMPO
) -> FitResult:
    if len(lines) != len(durations_s):
        raise ValueError("one duration per voice line is required")
    placements, spoken, overflow = [], [], []
    for i, (line, duration) in enumerate(zip(lines, durations_s, strict=True)):
        slot_end = line.max_end_s
        if i + 1 < len(lines):
            slot_end = min(slot_end, lines[i + 1].start_s - _GAP_S)
        slot = max(0.05, slot_end - line.start_s)
        tempo = 1.0 if duration <= slot else min(max_tempo, duration / slot)
        end = line.start_s + duration / tempo
        if end > slot_end + 1e-6:
            overflow.append(
                f"line {i + 1} needs {duration / max_tempo:.2f}s even at {max_tempo:.2f}x, "
                f"its slot is {slot:.2f}s"
            )
        placements.append(Placement(line.start_s, round(tempo, 4)))
        spoken.append(Caption(start_s=round(line.start_s, 3), end_s=round(end, 3), text=line.text))
    return FitResult(tuple(placements), tuple(spoken), tuple(overflow))
