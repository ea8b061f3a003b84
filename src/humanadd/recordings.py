"""Where call audio comes from, behind one interface.

A call's `recording_ref` names its source by scheme: `file:<path>` for audio the service holds
itself (under the data directory), an `https:` (or `http:`) URL for audio the provider holds,
streamed through (`providers.recording_proxy`). Every source streams in chunks, honours a
single `Range: bytes=…` request, and sends the validators it has (`ETag`, `Last-Modified`)
with `If-None-Match` (304) and `If-Range` honoured (RFC 9110 §13). A source that knows its
recording's size and validators before streaming leaves all of that to `respond`.
"""

import errno
import hashlib
import logging
import os
import re
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Protocol

import anyio
import anyio.to_thread
from anyio import AsyncFile

from humanadd.errors import FetchFailed, NotFound, RangeNotSatisfiable

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_OPAQUE = r'"[\x21\x23-\x7e\x80-\xff]*"'
_ENTITY_TAG = re.compile(rf"(?:W/)?({_OPAQUE})")
"""One entity tag; the group is its opaque part, which weak comparison compares."""
_TAG_LIST = re.compile(rf"[\s,]*(?:W/)?{_OPAQUE}(?:\s*,[\s,]*(?:W/)?{_OPAQUE})*[\s,]*")


@dataclass
class RecordingStream:
    """An open recording: what to answer with, and the body to stream.

    The source has done everything that can fail before the first byte is sent (found the
    audio, opened it, checked the range), so failures still become error answers. `close`
    releases what it holds and must be called whether or not `body` was read (a HEAD, a
    client gone before the first chunk); `body` also releases it when it ends.
    """

    status_code: int
    """200, 206, or 304 (`unchanged`: no body, only the validators as header fields)."""
    headers: dict[str, str]
    body: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]]
    media_type: str = "audio/wav"


@dataclass(frozen=True)
class CallKey:
    """The call whose recording is asked for."""

    account_id: str
    call_id: str


@dataclass(frozen=True)
class Conditions:
    """The request's header fields that choose the answer (each None when not sent)."""

    range: str | None = None
    if_none_match: str | None = None
    if_range: str | None = None


@dataclass(frozen=True)
class Validators:
    """What tells one version of a recording's bytes from another (RFC 9110 §8.8)."""

    etag: str | None = None
    """An entity tag as sent (`"…"`; a source's own is strong, a proxied one may be weak)."""
    last_modified: str | None = None
    """An HTTP-date."""

    def headers(self, *, not_modified: bool = False) -> dict[str, str]:
        """The validators as header fields; for a 304 only the ETag, or else the date."""
        shown = {"ETag": self.etag, "Last-Modified": self.last_modified}
        if not_modified and self.etag is not None:
            del shown["Last-Modified"]
        return {name: value for name, value in shown.items() if value is not None}


def entity_tag(identity: str) -> str:
    """A strong ETag for the bytes `identity` stands for: a file's metadata, or every input of
    audio made on request. It shows nothing of `identity`."""
    return '"' + hashlib.blake2b(identity.encode(), digest_size=12).hexdigest() + '"'


def not_modified(conditions: Conditions, validators: Validators) -> bool:
    """Whether `If-None-Match` matches: `*`, or one of its tags by weak comparison."""
    header = conditions.if_none_match
    if header is None:
        return False
    if header.strip() == "*":
        return True
    if validators.etag is None or not _TAG_LIST.fullmatch(header):
        return False  # a header that is not a list of entity tags is ignored
    current = _ENTITY_TAG.fullmatch(validators.etag.strip())
    return current is not None and current[1] in _ENTITY_TAG.findall(header)


def range_applies(conditions: Conditions, validators: Validators) -> bool:
    """Whether to honour the `Range`: yes without `If-Range`; with it, only when it names this
    version: its ETag by strong comparison (a weak tag never matches), or exactly its date."""
    if conditions.if_range is None:
        return True
    header = conditions.if_range.strip()
    if header.startswith(('"', "W/")):
        etag = validators.etag
        return etag is not None and not etag.startswith("W/") and header == etag.strip()
    return validators.last_modified is not None and _same_date(header, validators.last_modified)


def _same_date(one: str, other: str) -> bool:
    try:
        return parsedate_to_datetime(one) == parsedate_to_datetime(other)
    except (TypeError, ValueError):
        return False


async def _nothing_to_close() -> None:
    pass


async def _no_body() -> AsyncIterator[bytes]:
    return
    yield


def unchanged(
    validators: Validators, close: Callable[[], Awaitable[None]] = _nothing_to_close
) -> RecordingStream:
    """The 304 of a recording whose `If-None-Match` matched."""
    return RecordingStream(304, validators.headers(not_modified=True), _no_body(), close)


async def respond(
    conditions: Conditions,
    size: int,
    validators: Validators,
    read: Callable[[int, int], AsyncIterator[bytes]],
    close: Callable[[], Awaitable[None]] = _nothing_to_close,
) -> RecordingStream:
    """The answer of a source that knows its recording's size and validators before sending:
    304 when `If-None-Match` matches; else 206 for a `Range` that applies (`range_applies`),
    200 for the whole; a range outside the recording closes and raises 416.

    `read(start, end)` streams the inclusive byte range; `close` releases what the source
    holds for this recording.
    """
    if not_modified(conditions, validators):
        return unchanged(validators, close)
    asked = conditions.range if range_applies(conditions, validators) else None
    try:
        byte_range = parse_range(asked, size)
    except RangeNotSatisfiable:
        await close()
        raise
    headers = {"Accept-Ranges": "bytes", **validators.headers()}
    if byte_range is None:
        start, end, status = 0, size - 1, 200
    else:
        (start, end), status = byte_range, 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    return RecordingStream(status, headers, read(start, end), close)


class RecordingSource(Protocol):
    async def open(self, reference: str, conditions: Conditions, call: CallKey) -> RecordingStream:
        """Open the recording `reference` (scheme included) of `call`, answering as
        `conditions` ask (`respond` does it for a source that knows size and validators)."""
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

    async def open(self, reference: str, conditions: Conditions, call: CallKey) -> RecordingStream:
        path = (self.root / reference.removeprefix("file:")).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise NotFound("This call has no recording.")
        try:
            audio, info = await anyio.to_thread.run_sync(_open_regular_file, path)
        except FileNotFoundError:
            raise NotFound("This call has no recording.") from None
        except OSError as error:
            logger.warning("recording unreadable", extra={"reason": error.strerror})
            raise FetchFailed() from None

        def read(start: int, end: int) -> AsyncIterator[bytes]:
            return _read_file(audio, start, end)

        return await respond(conditions, info.st_size, file_validators(info), read, audio.aclose)

    async def close(self) -> None:
        pass


def file_validators(info: os.stat_result) -> Validators:
    """A file's ETag and Last-Modified, from its metadata: no read of its bytes.

    The ETag is strong: any write changes the change time (which, unlike the modification
    time, cannot be set back), and replacing the file changes the inode.
    """
    identity = f"{info.st_ino}-{info.st_size}-{info.st_mtime_ns}-{info.st_ctime_ns}"
    return Validators(entity_tag(identity), formatdate(info.st_mtime, usegmt=True))


def _open_regular_file(path: Path) -> tuple[AsyncFile[bytes], os.stat_result]:
    """The file opened for reading, and its metadata; OSError unless it is a regular file.

    Opened non-blocking, so that a FIFO at that path cannot hang the open until a writer comes.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        os.set_blocking(descriptor, True)
        return anyio.wrap_file(os.fdopen(descriptor, "rb")), info
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

    async def open(self, reference: str, conditions: Conditions, call: CallKey) -> RecordingStream:
        scheme = reference.partition(":")[0].lower()
        source = self.sources.get(scheme)
        if source is None:
            raise NotFound("This call has no recording.")
        return await source.open(reference, conditions, call)

    async def close(self) -> None:
        for source in {id(source): source for source in self.sources.values()}.values():
            await source.close()
