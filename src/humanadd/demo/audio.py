"""The demo's call audio: a voice exactly where the transcript times each word, silence elsewhere.

A recording is laid out from a call's length and its `transcript_object` (Retell's word timings,
in seconds from the start). Each word is a voiced vowel: one pitch period of a harmonic series
shaped by the vowel's formants, repeated for the word's length, faded in and out. The agent
speaks higher (about 200-220 Hz) than the callers (about 105-135 Hz, one voice per call); pitch,
vowel and loudness vary from word to word. Every sample is a function of its position, so any
byte range of the WAV file is computed on its own, a chunk at a time, and the same call always
gives the same bytes.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

SAMPLE_RATE = 8000
HEADER_SIZE = 44
CHUNK_SIZE = 64 * 1024
FADE_SAMPLES = 80
"""10 ms of fade at each end of a word, so that words start and stop without a click."""
PEAK = 0.6 * 32767

VOWEL_FORMANTS = (
    (730.0, 1090.0, 2440.0),  # a
    (530.0, 1840.0, 2480.0),  # e
    (300.0, 2200.0, 3000.0),  # i
    (570.0, 840.0, 2410.0),  # o
    (330.0, 1020.0, 2240.0),  # u
)
"""First three formant frequencies (Hz) of five vowels."""
LOUDNESS_STEPS = 8


@dataclass(frozen=True, slots=True)
class Voice:
    periods: tuple[int, ...]
    """The pitch periods (in samples) its words are said at: whole samples, so a word is one
    period repeated."""
    formant_scale: float


AGENT = Voice(periods=(36, 37, 38, 39, 40), formant_scale=1.12)
CALLERS = (
    Voice(periods=(60, 61, 62, 63, 64), formant_scale=1.0),
    Voice(periods=(64, 65, 66, 67, 68), formant_scale=0.96),
    Voice(periods=(70, 71, 72, 73, 75), formant_scale=0.92),
)


@cache
def _period(period: int, vowel: int, formant_scale: float, loudness: int) -> array[int]:
    """One pitch period of a vowel as 16-bit samples: harmonics weighted by their closeness to
    the formants, at one of LOUDNESS_STEPS levels."""
    pitch = SAMPLE_RATE / period
    harmonics = [
        (number, sum(
            1.0 / (1.0 + ((number * pitch - formant * formant_scale) / 90.0) ** 2)
            for formant in VOWEL_FORMANTS[vowel]
        ) / math.sqrt(number))
        for number in range(1, int(3600 / pitch) + 1)
    ]  # fmt: skip
    wave = [
        sum(gain * math.sin(2 * math.pi * n * index / period) for n, gain in harmonics)
        for index in range(period)
    ]
    scale = PEAK * (0.55 + 0.45 * loudness / (LOUDNESS_STEPS - 1)) / max(map(abs, wave))
    return array("h", (round(value * scale) for value in wave))


@dataclass(frozen=True, slots=True)
class Word:
    start: int
    """Its first sample."""
    end: int
    """The sample after its last."""
    period: array[int]


def _word(seed: str, index: int, voice: Voice, start: int, end: int) -> Word:
    choice = zlib.crc32(f"{seed}:{index}".encode())
    period = voice.periods[choice % len(voice.periods)]
    vowel = (choice >> 8) % len(VOWEL_FORMANTS)
    loudness = (choice >> 16) % LOUDNESS_STEPS
    return Word(start, end, _period(period, vowel, voice.formant_scale, loudness))


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


@dataclass(frozen=True)
class Recording:
    """The audio of one call: `frames` samples, voiced during `words`."""

    frames: int
    words: Sequence[Word]
    """In order, none overlapping."""

    @classmethod
    def of(cls, seed: str, seconds: float, turns: Sequence[Any]) -> Recording:
        """The recording of a call lasting `seconds`, its words timed by `turns` (Retell's
        `transcript_object`); `seed` picks the caller's voice and each word's pitch and vowel."""
        frames = max(0, round(seconds * SAMPLE_RATE))
        caller = CALLERS[zlib.crc32(seed.encode()) % len(CALLERS)]
        words: list[Word] = []
        timed = (
            (turn["role"], word)
            for turn in turns
            if isinstance(turn, dict) and turn.get("role") in ("agent", "user")
            for word in turn.get("words") or ()
            if isinstance(word, dict)
        )
        for role, word in timed:
            start, end = _seconds(word.get("start")), _seconds(word.get("end"))
            if start is None or end is None:
                continue
            first = max(0, round(start * SAMPLE_RATE), words[-1].end if words else 0)
            last = min(frames, round(end * SAMPLE_RATE))
            if first < last:
                voice = AGENT if role == "agent" else caller
                words.append(_word(seed, len(words), voice, first, last))
        return cls(frames, words)

    @cached_property
    def _ends(self) -> list[int]:
        return [word.end for word in self.words]

    @property
    def size(self) -> int:
        """The WAV file's length in bytes."""
        return HEADER_SIZE + 2 * self.frames

    def header(self) -> bytes:
        """The RIFF/WAVE header: PCM, 16-bit, mono, 8 kHz."""
        data = 2 * self.frames
        return struct.pack(
            "<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + data, b"WAVE", b"fmt ", 16, 1, 1,
            SAMPLE_RATE, 2 * SAMPLE_RATE, 2, 16, b"data", data,
        )  # fmt: skip

    def samples(self, first: int, count: int) -> array[int]:
        """`count` samples from sample `first` on (within the recording)."""
        out = array("h", bytes(2 * count))
        stop = first + count
        index = bisect_right(self._ends, first)
        while index < len(self.words) and self.words[index].start < stop:
            word = self.words[index]
            index += 1
            begin, end = max(first, word.start), min(stop, word.end)
            out[begin - first : end - first] = _voiced(word, begin, end)
        return out

    def chunks(self, start: int, end: int) -> Iterator[bytes]:
        """Bytes `start` to `end` (inclusive) of the WAV file, at most CHUNK_SIZE at a time."""
        position = start
        if position < HEADER_SIZE:
            yield self.header()[position : min(end + 1, HEADER_SIZE)]
            position = HEADER_SIZE
        while position <= end:
            stop = min(end + 1, position + CHUNK_SIZE)
            first = (position - HEADER_SIZE) // 2
            last = (stop - HEADER_SIZE + 1) // 2
            samples = self.samples(first, last - first)
            if sys.byteorder == "big":
                samples.byteswap()
            skip = position - HEADER_SIZE - 2 * first
            yield samples.tobytes()[skip : skip + stop - position]
            position = stop


def _voiced(word: Word, begin: int, end: int) -> array[int]:
    """Samples `begin` to `end` (exclusive, absolute) of `word`, faded at both ends."""
    period = word.period
    offset = (begin - word.start) % len(period)
    tiled = period * ((end - begin + offset) // len(period) + 1)
    out = tiled[offset : offset + end - begin]
    fade = min(FADE_SAMPLES, (word.end - word.start) // 2)
    for position in range(max(begin, word.start), min(end, word.start + fade)):
        out[position - begin] = out[position - begin] * (position - word.start) // fade
    for position in range(max(begin, word.end - fade), end):
        out[position - begin] = out[position - begin] * (word.end - 1 - position) // fade
    return out
