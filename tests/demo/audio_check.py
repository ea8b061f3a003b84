"""Checks that a demo recording and its transcript agree, by decoding the WAV file."""

from __future__ import annotations

import sys
import wave
from array import array
from io import BytesIO
from typing import Any

RATE = 8000
AGENT_PERIODS = range(30, 46)
"""Pitch periods (samples) of the agent's voice: about 175-265 Hz."""
CALLER_PERIODS = range(56, 80)
"""Of the callers' voices: about 100-145 Hz."""


def decoded(content: bytes) -> array[int]:
    """The samples of a 16-bit mono 8 kHz PCM WAV file."""
    with wave.open(BytesIO(content), "rb") as audio:
        assert (audio.getnchannels(), audio.getsampwidth(), audio.getframerate()) == (1, 2, RATE)
        assert audio.getcomptype() == "NONE"
        samples = array("h", audio.readframes(audio.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def pitch_period(samples: array[int]) -> int:
    """The shortest lag (in samples) at which the signal nearly repeats itself."""
    energy = sum(value * value for value in samples[:-100]) or 1
    correlations = {
        lag: sum(a * b for a, b in zip(samples, samples[lag : -100 + lag], strict=False)) / energy
        for lag in range(20, 100)
    }
    best = max(correlations.values())
    return min(lag for lag, value in correlations.items() if value >= 0.9 * best)


def assert_follows_transcript(
    content: bytes, transcript_object: list[dict[str, Any]], seconds: float
) -> None:
    """The recording lasts `seconds`; a voice sounds during each timed word and nowhere else;
    the agent's voice is higher than the caller's."""
    samples = decoded(content)
    assert len(samples) == round(seconds * RATE)
    voiced = bytearray(len(samples))
    periods: dict[str, set[int]] = {"agent": set(), "user": set()}
    for turn in transcript_object:
        longest = (0, 0)
        for word in turn["words"]:
            start, end = round(word["start"] * RATE), round(word["end"] * RATE)
            assert 0 <= start < end <= len(samples), word
            voiced[start:end] = b"\x01" * (end - start)
            middle = samples[start + 100 : end - 100]
            loudness = (sum(value * value for value in middle) / len(middle)) ** 0.5
            assert loudness > 2000, (turn["role"], word, loudness)
            longest = max(longest, (end - start, start))
        start = longest[1]
        periods[turn["role"]].add(pitch_period(samples[start + 100 : start + 500]))
    silent_outside = [index for index, value in enumerate(samples) if value and not voiced[index]]
    assert silent_outside == []
    assert periods["agent"], periods
    assert periods["agent"] <= set(AGENT_PERIODS), periods
    assert periods["user"], periods
    assert periods["user"] <= set(CALLER_PERIODS), periods
