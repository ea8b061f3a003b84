"""The recording source of the demo's calls: `demo:<seed>` audio, made when it is asked for.

Nothing is stored: the WAV file of a call is a function of the seed, the call's length and its
word timings (`transcript_object`), read from the call, so a player and the transcript agree.
Only the bytes asked for are computed, a chunk at a time; `Range` and the validators are
answered as for any source (`recordings.respond`).
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.utils import format_datetime

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from humanadd.calls import repository as calls
from humanadd.demo.audio import Recording
from humanadd.errors import NotFound
from humanadd.recordings import (
    CallKey,
    Conditions,
    RecordingStream,
    Validators,
    entity_tag,
    respond,
)

SCHEME = "demo"


@dataclass
class DemoAudioSource:
    sessions: async_sessionmaker[AsyncSession]

    async def open(self, reference: str, conditions: Conditions, call: CallKey) -> RecordingStream:
        """The recording of `call`, for its `demo:<seed>` reference."""
        seed = reference.partition(":")[2]
        async with self.sessions() as session:
            row = await calls.recording_inputs(session, call.account_id, call.call_id)
        if row is None:
            raise NotFound("This call has no recording.")
        duration, turns = row.duration_seconds, row.transcript_object
        recording = Recording.of(seed, duration, turns or [])
        # The bytes are a function of these inputs alone.
        identity = orjson.dumps([seed, duration, turns], option=orjson.OPT_SORT_KEYS).decode()
        validators = Validators(entity_tag(identity), format_datetime(row.updated_at, usegmt=True))

        async def read(start: int, end: int) -> AsyncIterator[bytes]:
            for chunk in recording.chunks(start, end):
                yield chunk

        return await respond(conditions, recording.size, validators, read)

    async def close(self) -> None:
        pass
