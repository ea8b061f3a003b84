"""The demo's recordings: a few short WAV files written under the recordings directory."""

import os
from pathlib import Path

from humanadd.demo.audio import conversation_samples, wav_bytes
from humanadd.demo.businesses import RECORDINGS

SECONDS = (4.0, 5.5, 3.5, 6.0, 4.5, 5.0, 3.0)
"""Length of each recording, by position in RECORDINGS."""


def write_recordings(directory: Path) -> list[Path]:
    """Write every demo recording into `directory` (unchanged files are left alone); their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, seconds in zip(RECORDINGS, SECONDS, strict=True):
        path = directory / f"{name}.wav"
        content = wav_bytes(conversation_samples(name, seconds))
        if not path.is_file() or path.read_bytes() != content:
            partial = path.with_suffix(".wav.partial")
            partial.write_bytes(content)
            os.replace(partial, path)
        paths.append(path)
    return paths
