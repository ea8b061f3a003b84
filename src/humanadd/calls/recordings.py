"""Where call audio comes from, behind one interface.

A call's `recording_ref` names its source by scheme: `file:<path>` for audio the service holds
itself (under the data directory), an `https:` (or `http:`) URL for audio the provider holds,
streamed through (`providers.recording_proxy`). Every source streams in chunks and honours a
single `Range: bytes=…` request.
"""

import errno
import logging
import os
import re
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import anyio
import anyio.to_thread
from anyio import AsyncFile

from humanadd.errors import FetchFailed, NotFound, RangeNotSatisfiable

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass
class RecordingStream:
    """An open recording: what to answer with, and the body to stream.

    The source has done everything that can fail before the first byte is sent (found the
    audio, opened it, checked the range), so failures still become error answers. `close`
    releases what it holds and must be called whether or not `body` was read (a HEAD, a
    client gone before the first chunk); `body` also releases it when it ends.
    """

    status_code: int
    headers: dict[str, str]
    body: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]]
    media_type: str = "audio/wav"


@dataclass(frozen=True)
class CallKey:
    """The call whose recording is asked for."""

    account_id: str
    call_id: str


class RecordingSource(Protocol):
    async def open(
        self, reference: str, range_header: str | None, call: CallKey
    ) -> RecordingStream:
        """Open the recording `reference` (scheme included) of `call`."""
        ...

    async def close(self) -> None:
        """Release what the source holds (connections), at shutdown."""
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
    """Recordings stored as files under one directory.

    A reference that leads outside the directory, or to no file, is "no recording" (404). A
    file that is there but cannot be read (permissions, a directory or a pipe where the file
    should be, an I/O error) is 500 `fetch_failed`, like an upstream that fails.
    """

    root: Path

    async def open(
        self, reference: str, range_header: str | None, call: CallKey
    ) -> RecordingStream:
        path = (self.root / reference.removeprefix("file:")).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise NotFound("This call has no recording.")
        try:
            audio, size = await anyio.to_thread.run_sync(_open_regular_file, path)
        except FileNotFoundError:
            raise NotFound("This call has no recording.") from None
        except OSError as error:
            logger.warning("recording unreadable", extra={"reason": error.strerror})
            raise FetchFailed() from None
        try:
            byte_range = parse_range(range_header, size)
        except RangeNotSatisfiable:
            await audio.aclose()
            raise
        headers = {"Accept-Ranges": "bytes"}
        if byte_range is None:
            start, end, status = 0, size - 1, 200
        else:
            (start, end), status = byte_range, 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        headers["Content-Length"] = str(end - start + 1)
        return RecordingStream(status, headers, _read_file(audio, start, end), audio.aclose)

    async def close(self) -> None:
        pass


def _open_regular_file(path: Path) -> tuple[AsyncFile[bytes], int]:
    """The file opened for reading, and its size; OSError unless it is a regular file.

    Opened non-blocking, so that a FIFO at that path cannot hang the open until a writer comes.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        os.set_blocking(descriptor, True)
        return anyio.wrap_file(os.fdopen(descriptor, "rb")), info.st_size
    except BaseException:
        os.close(descriptor)
        raise


async def _read_file(audio: AsyncFile[bytes], start: int, end: int) -> AsyncIterator[bytes]:
    try:
        await audio.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = await audio.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
    finally:
        await audio.aclose()


@dataclass
class RecordingSources:
    """The registry of recording sources, by reference scheme."""

    sources: dict[str, RecordingSource] = field(default_factory=dict)

    async def open(
        self, reference: str, range_header: str | None, call: CallKey
    ) -> RecordingStream:
        scheme = reference.partition(":")[0].lower()
        source = self.sources.get(scheme)
        if source is None:
            raise NotFound("This call has no recording.")
        return await source.open(reference, range_header, call)

    async def close(self) -> None:
        for source in {id(source): source for source in self.sources.values()}.values():
            await source.close()
