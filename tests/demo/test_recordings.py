"""The demo's recordings: real, deterministic 16-bit mono 8 kHz WAV files."""

import wave
from pathlib import Path

from humanadd.demo.audio import SAMPLE_RATE, conversation_samples, wav_bytes
from humanadd.demo.recordings import RECORDINGS, write_recordings


def test_every_recording_is_a_short_pcm_wav_file(tmp_path: Path):
    paths = write_recordings(tmp_path / "demo")

    assert sorted(path.name for path in paths) == sorted(f"{name}.wav" for name in RECORDINGS)
    assert 6 <= len(paths) <= 8
    for path in paths:
        content = path.read_bytes()
        assert content[:4] == b"RIFF"
        assert content[8:12] == b"WAVE"
        with wave.open(str(path), "rb") as audio:
            assert (audio.getnchannels(), audio.getsampwidth(), audio.getframerate()) == (
                1,
                2,
                SAMPLE_RATE,
            )
            assert audio.getcomptype() == "NONE"
            seconds = audio.getnframes() / SAMPLE_RATE
            assert 2.5 <= seconds <= 8
            frames = audio.readframes(audio.getnframes())
        assert len(frames) == audio.getnframes() * 2


def test_recordings_are_the_same_bytes_every_time(tmp_path: Path):
    first = {path.name: path.read_bytes() for path in write_recordings(tmp_path / "a")}
    second = {path.name: path.read_bytes() for path in write_recordings(tmp_path / "b")}

    assert first == second


def test_writing_again_repairs_a_damaged_file(tmp_path: Path):
    paths = write_recordings(tmp_path)
    original = paths[0].read_bytes()
    paths[0].write_bytes(b"garbage")

    write_recordings(tmp_path)

    assert paths[0].read_bytes() == original
    assert not list(tmp_path.glob("*.partial"))


def test_the_audio_has_speech_and_pauses():
    samples = conversation_samples("check", 4.0)
    window = SAMPLE_RATE // 20
    loudness = [
        max(abs(sample) for sample in samples[start : start + window])
        for start in range(0, len(samples) - window, window)
    ]

    assert len(samples) == 4 * SAMPLE_RATE
    assert max(abs(sample) for sample in samples) > 15_000
    assert sum(level > 5_000 for level in loudness) > len(loudness) // 3
    assert sum(level < 500 for level in loudness) >= 3
    assert wav_bytes(samples)[:4] == b"RIFF"
