"""The demo's audio: as long as the call, voiced where the words are timed, any range on its own."""

import random
import wave
from io import BytesIO

import pytest

from humanadd.demo.audio import CHUNK_SIZE, HEADER_SIZE, SAMPLE_RATE, Recording
from humanadd.demo.conversations import Conversation
from humanadd.demo.generator import EXAMPLE_TURNS
from tests.demo.audio_check import assert_follows_transcript, decoded


def _example_turns() -> list[dict[str, object]]:
    conversation = Conversation(turns=list(EXAMPLE_TURNS))
    turns, _ = conversation.timed(random.Random(1), 82)
    return turns


def _whole(recording: Recording) -> bytes:
    return b"".join(recording.chunks(0, recording.size - 1))


def test_a_recording_is_a_wav_file_as_long_as_the_call_voiced_word_by_word():
    turns = _example_turns()
    content = _whole(Recording.of("call_abc123", 82, turns))

    assert len(content) == HEADER_SIZE + 82 * SAMPLE_RATE * 2 == 1_312_044
    with wave.open(BytesIO(content), "rb") as audio:
        assert audio.getnframes() / audio.getframerate() == 82.0
    assert_follows_transcript(content, turns, 82)  # type: ignore[arg-type]


def test_the_same_call_gives_the_same_bytes_and_another_caller_another_voice():
    turns = _example_turns()
    first = _whole(Recording.of("call_abc123", 82, turns))

    assert _whole(Recording.of("call_abc123", 82, turns)) == first
    assert _whole(Recording.of("call_other", 82, turns)) != first


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, 0), (0, 43), (0, 44), (43, 45), (44, 44), (45, 46), (45, 45), (1001, 1001),
        (100, 100 + CHUNK_SIZE), (3, 3 * CHUNK_SIZE + 7), (1_312_000, 1_312_043),
    ],
)  # fmt: skip
def test_any_byte_range_is_the_same_bytes_as_in_the_whole_file(start: int, end: int):
    recording = Recording.of("call_abc123", 82, _example_turns())
    whole = _whole(recording)

    chunks = list(recording.chunks(start, end))

    assert b"".join(chunks) == whole[start : end + 1]
    assert all(0 < len(chunk) <= CHUNK_SIZE for chunk in chunks)


def test_a_long_call_is_computed_by_the_range_asked_for():
    """Three hours of conversation: the last bytes are there without making the whole file."""
    hours = 3 * 3600
    turns = [
        {"role": ("agent", "user")[index % 2], "content": "hello",
         "words": [{"word": "hello", "start": index * 2.0, "end": index * 2.0 + 1.5}]}
        for index in range(hours // 2)
    ]  # fmt: skip
    recording = Recording.of("call_long", hours, turns)

    tail = b"".join(recording.chunks(recording.size - 2 * SAMPLE_RATE, recording.size - 1))

    assert recording.size == HEADER_SIZE + hours * SAMPLE_RATE * 2
    samples = decoded(recording.header() + tail)
    assert len(samples) == SAMPLE_RATE
    assert any(samples[: SAMPLE_RATE // 2])
    assert not any(samples[-SAMPLE_RATE // 4 :])


def test_words_outside_the_call_or_badly_timed_are_left_out():
    turns = [
        {"role": "agent", "content": "a b c d", "words": [
            {"word": "a", "start": 0.5, "end": 1.0},
            {"word": "b", "start": "soon", "end": 1.5},
            {"word": "c", "start": 1.8, "end": 1.2},
            {"word": "d", "start": 2.5, "end": 9.0},
        ]},
        {"role": "system", "content": "x", "words": [{"word": "x", "start": 1.0, "end": 2.0}]},
        "not a turn",
    ]  # fmt: skip

    samples = decoded(_whole(Recording.of("seed", 3, turns)))

    assert len(samples) == 3 * SAMPLE_RATE
    assert any(samples[4000:8000])
    assert not any(samples[8000:20000])
    assert any(samples[20000:24000])
