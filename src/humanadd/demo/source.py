"""The recording source of the demo's calls: `demo:<seed>` audio, made when it is asked for.

Nothing is stored: the WAV file of a call is a function of the seed, the call's length and its
word timings (`transcript_object`), read from the call, so a player and the transcript agree.
Only the bytes asked for are computed, a chunk at a time; `Range` is answered as the file source
answers it (`calls.recordings.parse_range`).
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from humanadd.calls.models import Call
from humanadd.calls.recordings import CallKey, RecordingStream, parse_range
from humanadd.calls.repository import scoped
from humanadd.demo.audio import Recording
from humanadd.errors import NotFound

SCHEME = "demo"


@dataclass
class DemoAudioSource:
    sessions: async_sessionmaker[AsyncSession]

    async def open(
        self, reference: str, range_header: str | None, call: CallKey
    ) -> RecordingStream:
        """The recording of `call`, for its `demo:<seed>` reference."""
        seed = reference.partition(":")[2]
        statement = scoped(call.account_id, Call.duration_seconds, Call.transcript_object).where(
            Call.call_id == call.call_id
        )
        async with self.sessions() as session:
            row = (await session.execute(statement)).first()
        if row is None:
            raise NotFound("This call has no recording.")
        duration, turns = row
        recording = Recording.of(seed, duration, turns or [])
        size = recording.size
        byte_range = parse_range(range_header, size)
        headers = {"Accept-Ranges": "bytes"}
        if byte_range is None:
            start, end, status = 0, size - 1, 200
        else:
            (start, end), status = byte_range, 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        headers["Content-Length"] = str(end - start + 1)
        return RecordingStream(status, headers, _body(recording, start, end), _nothing)

    async def close(self) -> None:
        pass


async def _body(recording: Recording, start: int, end: int) -> AsyncIterator[bytes]:
    for chunk in recording.chunks(start, end):
        yield chunk


async def _nothing() -> None:
    """Nothing to release: the audio is computed as it is read."""
