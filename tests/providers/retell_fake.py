"""Retell as our tests see it: its call objects and its signed webhooks.

Call objects follow Retell's API reference (v2 call object); signatures are made as Retell
makes them (HMAC-SHA256 of the raw body followed by the timestamp, keyed with the API key)
and checked against the official SDK's `verify` in the tests.
"""

import asyncio
import copy
import hashlib
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from humanadd.providers.retell import signature
from tests.providers.retell_kb_fake import FakeKnowledgeBases
from tests.threaded_server import ThreadedServer

RETELL_API_KEY = "key_test_0123456789abcdef"
AGENT_ID = "agent_7f3c9a2b1d"
STARTED_MS = 1_736_965_324_000  # 2025-01-15T18:22:04.000Z
ENDED_MS = STARTED_MS + 154_000


def retell_call(call_id: str = "call_a1b2c3", **overrides: Any) -> dict[str, Any]:
    """A finished, analysed phone call as Retell describes it."""
    call: dict[str, Any] = {
        "call_type": "phone_call",
        "call_id": call_id,
        "agent_id": AGENT_ID,
        "agent_version": 3,
        "call_status": "ended",
        "direction": "inbound",
        "from_number": "+15551234567",
        "to_number": "+15559876543",
        "start_timestamp": STARTED_MS,
        "end_timestamp": ENDED_MS,
        "duration_ms": 154_000,
        "transcript": "Agent: Thanks for calling Acme HVAC.\nUser: Do you service heat pumps?",
        "transcript_object": [
            {
                "role": "agent",
                "content": "Thanks for calling Acme HVAC.",
                "words": [
                    {"word": "Thanks", "start": 0.4, "end": 0.7},
                    {"word": "for", "start": 0.7, "end": 0.8},
                ],
            },
            {
                "role": "user",
                "content": "Do you service heat pumps?",
                "words": [{"word": "Do", "start": 2.1, "end": 2.2}],
            },
        ],
        "recording_url": f"https://dxc03zgurdly9.cloudfront.net/{call_id}/recording.wav",
        "disconnection_reason": "user_hangup",
        "call_analysis": {
            "call_summary": "The caller asked about heat pump service and booked a visit.",
            "in_voicemail": False,
            "user_sentiment": "Positive",
            "call_successful": True,
            "custom_analysis_data": {"tags": ["Heat Pump", "booking"], "booked": True},
        },
        "latency": {"e2e": {"p50": 800}},
    }
    for name, value in overrides.items():
        call[name] = value
    return call


def ended_only(call: dict[str, Any]) -> dict[str, Any]:
    """The call as `call_ended` carries it: the analysis is not in yet."""
    ended = copy.deepcopy(call)
    ended.pop("call_analysis", None)
    return ended


def started_only(call: dict[str, Any]) -> dict[str, Any]:
    """The call as `call_started` carries it."""
    started = ended_only(call)
    for name in ("end_timestamp", "duration_ms", "transcript", "transcript_object"):
        started.pop(name, None)
    started.pop("disconnection_reason", None)
    started["call_status"] = "ongoing"
    return started


def webhook(
    event: str,
    call: dict[str, Any],
    *,
    api_key: str = RETELL_API_KEY,
    at_ms: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of Retell's webhook request for `event`."""
    body = orjson.dumps({"event": event, "call": call})
    at_ms = round(time.time() * 1000) if at_ms is None else at_ms
    headers = {
        "content-type": "application/json",
        signature.HEADER: signature.sign(body, api_key, at_ms),
    }
    return body, headers


async def deliver(client: httpx.AsyncClient, event: str, call: dict[str, Any]) -> None:
    """Send `event` to the app as Retell would, and check that it was taken (204)."""
    body, headers = webhook(event, call)
    assert (await client.post("/ingest/retell", content=body, headers=headers)).status_code == 204


class FakeRetell(ThreadedServer):
    """A Retell stand-in: a real HTTP server on 127.0.0.1, in a thread of its own.

    It implements what humanadd uses of Retell's API, from Retell's documentation:
    `POST /v3/list-calls` (filter by agents and `start_timestamp`, ascending or descending,
    `limit`, `pagination_key`/`has_more`; items without transcripts) and
    `GET /v2/get-call/{call_id}`, both behind `Authorization: Bearer <API key>`; the
    knowledge-base and LLM endpoints (`kb`: `retell_kb_fake.FakeKnowledgeBases`); and a
    recording store like Retell's: signed URLs that expire, WAV bytes with Range support,
    `ETag` and `Last-Modified`, `If-None-Match` and `If-Range` as CloudFront honours them.
    Knobs make it fail the way real upstreams do.
    """

    def __init__(self, api_key: str = RETELL_API_KEY) -> None:
        self.api_key = api_key
        self.calls: dict[str, dict[str, Any]] = {}
        self.recordings: dict[str, bytes | int] = {}
        """Recording bytes by call id; an int is a size, for generated audio of that length."""
        self.requests: list[str] = []
        self.fail_with: int | None = None
        """Answer every API and recording request with this status."""
        self.recording_delay: float = 0.0
        self.break_after: int | None = None
        """Drop the connection after sending this many bytes of a recording body."""
        self.url_lifetime_ms = 24 * 3600 * 1000
        self.validators = True
        """Send `ETag` and `Last-Modified` with a recording."""
        self.honours_conditions = True
        """Answer `If-None-Match` and `If-Range`; when False they are ignored."""
        self.kb = FakeKnowledgeBases(self._authorized)
        super().__init__()

    # -- what a test sets up --------------------------------------------------------------

    def add_call(self, call: dict[str, Any], recording: bytes | int | None = None) -> None:
        """Store `call`; with a recording, its `recording_url` becomes one of ours."""
        stored = copy.deepcopy(call)
        if recording is not None:
            self.recordings[stored["call_id"]] = recording
        self.calls[stored["call_id"]] = stored

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def recording_url(self, call_id: str, expires_ms: int | None = None) -> str:
        expires_ms = expires_ms or round(time.time() * 1000) + self.url_lifetime_ms
        token = signature.sign(f"{call_id}:{expires_ms}".encode(), self.api_key, expires_ms)
        digest = token.split("d=", 1)[1]
        return f"{self.base_url}/recordings/{call_id}.wav?expires={expires_ms}&sig={digest}"

    # -- the API ----------------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.api_key}"

    def as_sent(self, call_id: str) -> dict[str, Any]:
        """The call as Retell sends it now: in full, with a fresh recording URL."""
        return self._full(self.calls[call_id])

    def _full(self, call: dict[str, Any]) -> dict[str, Any]:
        shown = copy.deepcopy(call)
        if call["call_id"] in self.recordings:
            shown["recording_url"] = self.recording_url(call["call_id"])
        return shown

    async def _list_calls(self, request: Request) -> Response:
        self.requests.append("list-calls")
        if self.fail_with:
            return JSONResponse({"error_message": "upstream failure"}, self.fail_with)
        if not self._authorized(request):
            return JSONResponse({"error_message": "Unauthorized"}, 401)
        body = orjson.loads(await request.body())
        criteria = body.get("filter_criteria") or {}
        agents = {agent["agent_id"] for agent in criteria.get("agent", [])}
        start = criteria.get("start_timestamp")
        calls = [
            call
            for call in self.calls.values()
            if (not agents or call["agent_id"] in agents)
            and (start is None or _matches(call.get("start_timestamp", 0), start))
        ]
        calls.sort(
            key=lambda call: (call.get("start_timestamp", 0), call["call_id"]),
            reverse=body.get("sort_order", "descending") == "descending",
        )
        offset = int(body.get("pagination_key") or 0)
        limit = int(body.get("limit") or 50)
        page = calls[offset : offset + limit]
        has_more = offset + limit < len(calls)
        items = []
        for call in page:
            item = self._full(call)
            for name in ("transcript", "transcript_object", "transcript_with_tool_calls"):
                item.pop(name, None)
            items.append(item)
        return JSONResponse(
            {
                "items": items,
                "has_more": has_more,
                "pagination_key": str(offset + limit) if has_more else None,
            }
        )

    async def _get_call(self, request: Request) -> Response:
        self.requests.append("get-call")
        if self.fail_with:
            return JSONResponse({"error_message": "upstream failure"}, self.fail_with)
        if not self._authorized(request):
            return JSONResponse({"error_message": "Unauthorized"}, 401)
        call = self.calls.get(request.path_params["call_id"])
        if call is None:
            return JSONResponse({"error_message": "Not found"}, 404)
        return JSONResponse(self._full(call))

    # -- the recording store ----------------------------------------------------------------

    async def _recording(self, request: Request) -> Response:
        self.requests.append("recording")
        if self.recording_delay:
            await asyncio.sleep(self.recording_delay)
        if self.fail_with:
            return Response(b"upstream failure", self.fail_with)
        call_id = request.path_params["name"].removesuffix(".wav")
        expires = int(request.query_params.get("expires", "0"))
        expected = self.recording_url(call_id, expires).rsplit("sig=", 1)[1]
        if request.query_params.get("sig") != expected or expires < time.time() * 1000:
            return Response(b"<Error>AccessDenied: Request has expired</Error>", 403)
        if call_id not in self.recordings:
            return Response(b"<Error>NoSuchKey</Error>", 404)
        recording = self.recordings[call_id]
        size = recording if isinstance(recording, int) else len(recording)
        start, end, status = 0, size - 1, 200
        validators = self.validators_of(call_id) if self.validators else {}
        ranged = request.headers.get("range")
        if self.honours_conditions:
            sent_tags = request.headers.get("if-none-match", "").replace("W/", "").split(",")
            tags = [tag.strip() for tag in sent_tags]
            if validators and (validators["etag"] in tags or "*" in tags):
                return Response(b"", 304, headers=validators)
            if_range = request.headers.get("if-range")
            if if_range is not None and if_range not in validators.values():
                ranged = None
        if ranged:
            first, _, last = ranged.removeprefix("bytes=").partition("-")
            if first:
                start, end = int(first), min(int(last), size - 1) if last else size - 1
            else:
                start = max(0, size - int(last))
            if start >= size:
                return Response(b"", 416, headers={"content-range": f"bytes */{size}"})
            status = 206
        headers = {"content-length": str(end - start + 1), "accept-ranges": "bytes", **validators}
        if status == 206:
            headers["content-range"] = f"bytes {start}-{end}/{size}"
        return StreamingResponse(
            self._chunks(recording, start, end), status, headers, media_type="audio/wav"
        )

    def validators_of(self, call_id: str) -> dict[str, str]:
        """The recording's `ETag` and `Last-Modified` as the store sends them (S3's ETag is the
        MD5 of the object; here a digest of what the store holds)."""
        recording = self.recordings[call_id]
        content = recording if isinstance(recording, bytes) else str(recording).encode()
        return {
            "etag": f'"{hashlib.md5(content).hexdigest()}"',
            "last-modified": "Wed, 15 Jan 2025 18:25:31 GMT",
        }

    async def _chunks(self, recording: bytes | int, start: int, end: int) -> AsyncIterator[bytes]:
        sent = 0
        position = start
        while position <= end:
            size = min(CHUNK, end - position + 1)
            if isinstance(recording, int):
                chunk = wav_bytes(recording, position, size)
            else:
                chunk = recording[position : position + size]
            if self.break_after is not None and sent + len(chunk) > self.break_after:
                yield chunk[: self.break_after - sent]
                raise ConnectionResetError("the fake upstream breaks the connection")
            yield chunk
            sent += len(chunk)
            position += size

    # -- running ----------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v3/list-calls", self._list_calls, methods=["POST"]),
                Route("/v2/get-call/{call_id}", self._get_call),
                Route("/recordings/{name}", self._recording, methods=["GET", "HEAD"]),
                *self.kb.routes(),
            ]
        )

    def start(self) -> "FakeRetell":
        self.serve(self.app())
        return self


CHUNK = 64 * 1024


def _matches(value: int, condition: dict[str, Any]) -> bool:
    compare = {
        "eq": value == condition["value"],
        "ne": value != condition["value"],
        "gt": value > condition["value"],
        "ge": value >= condition["value"],
        "lt": value < condition["value"],
        "le": value <= condition["value"],
    }
    if condition["op"] == "bt":
        low, high = condition["value"]
        return bool(low <= value <= high)
    return compare[condition["op"]]


def wav_bytes(total: int, offset: int, size: int) -> bytes:
    """Bytes `offset`..`offset + size` of a `total`-byte WAV file: a 44-byte header (16-bit mono
    8 kHz PCM) and a repeating pattern, made on the fly so that big files cost no memory."""
    header = (
        b"RIFF"
        + (total - 8).to_bytes(4, "little")
        + b"WAVEfmt "
        + (16).to_bytes(4, "little")
        + (1).to_bytes(2, "little")
        + (1).to_bytes(2, "little")
        + (8000).to_bytes(4, "little")
        + (16000).to_bytes(4, "little")
        + (2).to_bytes(2, "little")
        + (16).to_bytes(2, "little")
        + b"data"
        + (total - 44).to_bytes(4, "little")
    )
    out = bytearray()
    position = offset
    while len(out) < size:
        if position < len(header):
            piece = header[position : min(len(header), offset + size)]
        else:
            body_offset = position - len(header)
            pattern_offset = body_offset % len(_PATTERN)
            piece = _PATTERN[pattern_offset : pattern_offset + (size - len(out))]
        out += piece
        position += len(piece)
    return bytes(out)


_PATTERN = bytes(range(256)) * 64
