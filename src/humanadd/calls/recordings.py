"""Where call audio comes from, behind one interface.

A call's `recording_ref` names its source by scheme: `file:<path>` for audio the service holds
itself (under the data directory). Upstream providers add their own schemes (the recording proxy).
Every source streams in chunks and honours a single `Range: bytes=…` request.
"""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import anyio

from humanadd.errors import NotFound, RangeNotSatisfiable

CHUNK_SIZE = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass
class RecordingStream:
    """An open recording: what to answer with, and the body to stream."""

    status_code: int
    headers: dict[str, str]
    body: AsyncIterator[bytes]
    media_type: str = "audio/wav"


class RecordingSource(Protocol):
    async def open(self, location: str, range_header: str | None) -> RecordingStream:
        """Open the recording at `location` (the part of the reference after the scheme)."""
        ...


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte range a `Range` header asks for, None for the whole file.

    A header we do not understand (another unit, several ranges) is ignored, as RFC 9110
    allows; a well-formed range outside the file is 416.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        start, end = max(0, size - int(last)), size - 1
        if int(last) == 0:
            raise RangeNotSatisfiable(headers={"Content-Range": f"bytes */{size}"})
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
        if last and int(last) < start:
            return None
    if start >= size:
        raise RangeNotSatisfiable(headers={"Content-Range": f"bytes */{size}"})
    return start, end


@dataclass
class LocalFileSource:
    """Recordings stored as files under one directory."""

    root: Path

    async def open(self, location: str, range_header: str | None) -> RecordingStream:
        path = (self.root / location).resolve()
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            raise NotFound("This call has no recording.")
        size = path.stat().st_size
        byte_range = parse_range(range_header, size)
        headers = {"Accept-Ranges": "bytes"}
        if byte_range is None:
            start, end, status = 0, size - 1, 200
        else:
            (start, end), status = byte_range, 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        headers["Content-Length"] = str(end - start + 1)
        return RecordingStream(status, headers, _read_file(path, start, end))


async def _read_file(path: Path, start: int, end: int) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as audio:
        await audio.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = await audio.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


@dataclass
class RecordingSources:
    """The registry of recording sources, by reference scheme."""

    sources: dict[str, RecordingSource] = field(default_factory=dict)

    async def open(self, reference: str, range_header: str | None) -> RecordingStream:
        scheme, _, location = reference.partition(":")
        source = self.sources.get(scheme)
        if source is None:
            raise NotFound("This call has no recording.")
        return await source.open(location, range_header)
