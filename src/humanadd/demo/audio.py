"""Speech-like telephone audio for the demo's recordings, synthesised with the standard library.

Two voices take turns. Each voice speaks syllables: a short noise burst (the consonant) and a
voiced vowel (one period of a harmonic series shaped by the vowel's formants, replayed at a
drifting pitch), grouped into words and phrases with pauses. The result is not language, but it
sounds like a muffled phone conversation and is a valid 16-bit mono 8 kHz PCM WAV file. The same
seed always gives the same bytes.
"""

from __future__ import annotations

import io
import math
import random
import sys
import wave
from array import array
from dataclasses import dataclass

SAMPLE_RATE = 8000
TABLE_SIZE = 256
PEAK = 0.6 * 32767

VOWEL_FORMANTS = {
    "a": (730.0, 1090.0, 2440.0),
    "e": (530.0, 1840.0, 2480.0),
    "i": (300.0, 2200.0, 3000.0),
    "o": (570.0, 840.0, 2410.0),
    "u": (330.0, 1020.0, 2240.0),
}
"""First three formant frequencies (Hz) of five vowels."""


@dataclass(frozen=True, slots=True)
class Voice:
    pitch_hz: float
    formant_scale: float


AGENT = Voice(pitch_hz=205.0, formant_scale=1.12)
CALLER = Voice(pitch_hz=118.0, formant_scale=1.0)


def _period(voice: Voice, formants: tuple[float, ...]) -> list[float]:
    """One period of a vowel: harmonics of the pitch, weighted by resonances at the formants."""
    harmonics = []
    number = 1
    while number * voice.pitch_hz < 3600:
        frequency = number * voice.pitch_hz
        gain = sum(
            1.0 / (1.0 + ((frequency - formant * voice.formant_scale) / 90.0) ** 2)
            for formant in formants
        )
        harmonics.append((number, gain / math.sqrt(number)))
        number += 1
    table = [
        sum(gain * math.sin(2 * math.pi * n * index / TABLE_SIZE) for n, gain in harmonics)
        for index in range(TABLE_SIZE)
    ]
    loudest = max(abs(value) for value in table)
    return [value / loudest for value in table]


class _Speaker:
    def __init__(self, voice: Voice, rng: random.Random) -> None:
        self.voice = voice
        self.rng = rng
        self.tables = {name: _period(voice, formants) for name, formants in VOWEL_FORMANTS.items()}

    def phrase(self, seconds: float, out: list[float]) -> None:
        """Append words for about `seconds`, with the pitch falling gently across the phrase."""
        start = len(out)
        total = int(seconds * SAMPLE_RATE)
        while len(out) - start < total:
            progress = (len(out) - start) / total
            for _ in range(self.rng.choice((1, 1, 2, 2, 3))):
                self._syllable(1.08 - 0.16 * progress, out)
            out.extend([0.0] * int(self.rng.uniform(0.03, 0.12) * SAMPLE_RATE))

    def _syllable(self, pitch_factor: float, out: list[float]) -> None:
        rng = self.rng
        if rng.random() < 0.7:
            hiss = rng.uniform(0.05, 0.2)
            previous = 0.0
            for _ in range(int(rng.uniform(0.015, 0.045) * SAMPLE_RATE)):
                noise = rng.uniform(-1.0, 1.0)
                out.append(hiss * (noise - 0.6 * previous))
                previous = noise
        table = self.tables[rng.choice("aaeeiou")]
        length = int(rng.uniform(0.09, 0.22) * SAMPLE_RATE)
        attack, release = int(0.015 * SAMPLE_RATE), int(0.035 * SAMPLE_RATE)
        pitch = self.voice.pitch_hz * pitch_factor * rng.uniform(0.94, 1.06)
        step = pitch * TABLE_SIZE / SAMPLE_RATE
        vibrato = rng.uniform(3.0, 6.0)
        phase = 0.0
        for index in range(length):
            if index < attack:
                envelope = 0.5 - 0.5 * math.cos(math.pi * index / attack)
            elif index > length - release:
                envelope = 0.5 - 0.5 * math.cos(math.pi * (length - index) / release)
            else:
                envelope = 1.0
            out.append(envelope * table[int(phase) % TABLE_SIZE])
            phase += step * (1.0 + 0.02 * math.sin(2 * math.pi * vibrato * index / SAMPLE_RATE))


def conversation_samples(seed: str, seconds: float) -> array[int]:
    """16-bit samples of a two-voice exchange lasting about `seconds`, the agent speaking first."""
    rng = random.Random(seed)
    speakers = (_Speaker(AGENT, rng), _Speaker(CALLER, rng))
    signal: list[float] = [0.0] * int(0.2 * SAMPLE_RATE)
    turn = 0
    while len(signal) < seconds * SAMPLE_RATE:
        speakers[turn % 2].phrase(rng.uniform(0.7, 1.5), signal)
        signal.extend([0.0] * int(rng.uniform(0.25, 0.5) * SAMPLE_RATE))
        turn += 1
    del signal[int(seconds * SAMPLE_RATE) :]
    loudest = max(abs(value) for value in signal) or 1.0
    scale = PEAK / loudest
    line_noise = 0.004 * 32767
    return array(
        "h", (round(value * scale + rng.uniform(-line_noise, line_noise)) for value in signal)
    )


def wav_bytes(samples: array[int]) -> bytes:
    """A RIFF/WAVE file: PCM, 16-bit, mono, 8 kHz."""
    if sys.byteorder == "big":
        samples = array("h", samples)
        samples.byteswap()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(SAMPLE_RATE)
        audio.writeframes(samples.tobytes())
    return buffer.getvalue()
