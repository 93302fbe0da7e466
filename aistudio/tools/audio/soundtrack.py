"""The soundtrack: voice-over lines + music bed -> one loudness-normalised master WAV.

Every piece is content-addressed (memo keys from the text / mood / seed / versions), so a
retry that only changes the pictures reuses the audio, and one that changes a line
re-synthesises only that line.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass

from aistudio.artifacts import Asset, AudioPlan, VoiceTrack
from aistudio.settings import RenderSettings
from aistudio.tools.audio.fit import fit_voice_lines
from aistudio.tools.ffmpeg.engine import FFmpeg
from aistudio.tools.ffmpeg.spec import AudioMixSpec, LoudnessStats, VoicePlacement
from aistudio.tools.protocols import MusicSynth, Storage, VoiceSynth

SOUNDTRACK_VERSION = "soundtrack-v2"  # v2: ebur128 measure, pure-gain path
VOICE_VERSION = "voice-v2"  # v2: Piper lines with noise-free (repeatable) durations


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


@dataclass(frozen=True)
class SoundtrackResult:
    master: Asset
    voice: VoiceTrack | None
    loudness: LoudnessStats | None


class Soundtrack:
    name = "soundtrack"

    def __init__(
        self,
        storage: Storage,
        voice: VoiceSynth,
        music: MusicSynth,
        ffmpeg: FFmpeg,
        render: RenderSettings,
    ) -> None:
        self.storage = storage
        self.voice = voice
        self.music = music
        self.ffmpeg = ffmpeg
        self.render_settings = render

    async def _music(self, plan: AudioPlan, duration_s: float, seed: int) -> Asset:
        memo = "music:" + _digest(
            self.music.name, plan.music_mood, plan.music_bpm, duration_s, seed
        )
        if (cached := await self.storage.recall(memo)) is not None:
            return cached
        async with self.storage.scratch() as scratch:
            out = scratch / "music.wav"
            await self.music.compose(plan.music_mood, plan.music_bpm, duration_s, seed, out)
            asset = await self.storage.put_file(
                out, kind="music", mime="audio/wav", ext="wav", duration_s=duration_s
            )
        await self.storage.remember(memo, asset)
        return asset

    async def _line(self, text: str) -> Asset:
        memo = "voice:" + _digest(VOICE_VERSION, self.voice.name, self.voice.voice_id, text)
        if (cached := await self.storage.recall(memo)) is not None:
            return cached
        async with self.storage.scratch() as scratch:
            out = scratch / "line.wav"
            seconds = await self.voice.synthesize(text, out)
            asset = await self.storage.put_file(
                out, kind="voice", mime="audio/wav", ext="wav", duration_s=seconds
            )
        await self.storage.remember(memo, asset)
        return asset

    async def _voice(self, plan: AudioPlan) -> tuple[VoiceTrack, list[VoicePlacement]]:
        # One voice model, lines in order: the model is serialised anyway.
        assets = [await self._line(line.text) for line in plan.script]
        fit = fit_voice_lines(plan.script, [a.duration_s or 0.0 for a in assets])
        placements = [
            VoicePlacement(path=await self.storage.path_of(asset), start_s=p.start_s, tempo=p.tempo)
            for asset, p in zip(assets, fit.placements, strict=True)
        ]
        track = VoiceTrack(
            voice_id=f"{self.voice.name}:{self.voice.voice_id}",
            lines=tuple(fit.spoken),
            line_assets=tuple(assets),
            overflow=tuple(fit.overflow),
        )
        return track, placements

    async def render(self, plan: AudioPlan, duration_s: float, seed: int) -> SoundtrackResult:
        voice: VoiceTrack | None = None
        placements: list[VoicePlacement] = []
        # The bed and the lines don't depend on each other: made side by side.
        music_task = asyncio.ensure_future(self._music(plan, duration_s, seed))
        try:
            if plan.voice_enabled and plan.script:
                voice, placements = await self._voice(plan)
        except BaseException:  # the voice failed or was cancelled: so is the bed
            music_task.cancel()
            await asyncio.gather(music_task, return_exceptions=True)
            raise
        music = await music_task
        settings = self.render_settings
        async with self.storage.scratch() as scratch:
            spec = AudioMixSpec(
                duration_s=duration_s,
                output=scratch / "master.wav",
                music=await self.storage.path_of(music),
                voices=tuple(placements),
                duck_db=plan.duck_db,
                target_lufs=plan.target_lufs,
                true_peak_db=settings.true_peak_db,
                sample_rate=settings.sample_rate,
            )
            # Input paths are content-addressed, so the spec (minus its output) names the mix.
            memo = "master:" + _digest(
                SOUNDTRACK_VERSION,
                spec.duration_s,
                spec.music,
                spec.voices,
                spec.duck_db,
                spec.target_lufs,
                spec.true_peak_db,
                spec.sample_rate,
            )
            if (cached := await self.storage.recall(memo)) is not None:
                return SoundtrackResult(cached, voice, None)
            loudness = await self.ffmpeg.mix_audio(spec)
            master = await self.storage.put_file(
                spec.output,
                kind="audio_master",
                mime="audio/wav",
                ext="wav",
                duration_s=duration_s,
            )
        await self.storage.remember(memo, master)
        return SoundtrackResult(master, voice, loudness)
