"""HTTP routes of /api/v1/calls."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from humanadd.api.auth import AuthenticatedRoute, hot, principal_of, read_of
from humanadd.calls import service
from humanadd.calls.cursor import CallFilters
from humanadd.calls.schemas import (
    CallDetailResponse,
    CallList,
    Direction,
    SentimentFilter,
    Status,
    TagFilter,
    TopicFilter,
)
from humanadd.clock import MAX_UNIX_MS
from humanadd.dependencies import get_services
from humanadd.errors import AUTHENTICATED, error_responses
from humanadd.http import JsonResponse
from humanadd.params import Digits, TrueOrFalse
from humanadd.recordings import Conditions, RecordingStream

router = APIRouter(prefix="/calls", tags=["calls"], route_class=AuthenticatedRoute)


class CallListQuery(BaseModel):
    """The query parameters of GET /calls. One model, validated in one step: FastAPI spends
    several times as long on ten separate parameters."""

    limit: Annotated[int, Field(ge=1, le=200, description="How many calls, at most."), Digits] = 50
    after: Annotated[
        int | None,
        Field(
            ge=0,
            le=MAX_UNIX_MS,
            description="Unix ms: only calls that started after it, oldest first.",
        ),
        Digits,
    ] = None
    before: Annotated[
        int | None,
        Field(ge=0, le=MAX_UNIX_MS, description="Unix ms: only calls that started before it."),
        Digits,
    ] = None
    cursor: Annotated[
        str | None,
        Field(max_length=2048, description="`next_cursor` of a previous page; overrides the rest."),
    ] = None
    direction: Annotated[Direction | None, Field(description="Only inbound or outbound calls.")] = (
        None
    )
    status: Annotated[Status | None, Field(description="Only calls in this status.")] = None
    sentiment: Annotated[SentimentFilter | None, Field(description="`unknown`: not analysed.")] = (
        None
    )
    booked: Annotated[
        bool | None,
        Field(description="`true`: only calls that booked an appointment; `false`: the others."),
        TrueOrFalse,
    ] = None
    tag: Annotated[
        TagFilter | None, Field(description="Only calls with this tag (exact, lower case).")
    ] = None
    topic: Annotated[
        TopicFilter | None,
        Field(
            description="Only calls in which the caller asked a question of this topic "
            "(`tq_…`, from a call's `questions`, `topQuestions` or `GET /api/v1/questions`); "
            "a merged topic's id finds the calls of the topic it was merged into."
        ),
    ] = None


@router.get("", response_model=CallList, responses=error_responses(*AUTHENTICATED))
@hot()
async def list_calls(request: Request, query: Annotated[CallListQuery, Query()]) -> JsonResponse:
    """Your calls: the most recent first, or with `after` the later ones oldest first."""
    filters = CallFilters(
        direction=query.direction,
        status=query.status,
        sentiment=query.sentiment,
        booked=query.booked,
        tag=query.tag.lower() if query.tag is not None else None,
        before=query.before,
        topic=query.topic,
    )
    services = get_services(request)
    page = await service.list_calls(
        services.reader,
        services.cursors,
        principal_of(request).account_id,
        limit=query.limit,
        filters=filters,
        after=query.after,
        cursor_text=query.cursor,
    )
    return JsonResponse(page)


@router.get(
    "/{call_id}", response_model=CallDetailResponse, responses=error_responses(*AUTHENTICATED, 404)
)
@hot(read=service.detail_read)
async def get_call(call_id: str, request: Request) -> JsonResponse:
    """Full call details, with the transcript and our own recording URL."""
    return JsonResponse(service.call_detail(call_id, read_of(request)))


def _recording_conditions(
    range_header: Annotated[
        str | None,
        Header(alias="Range", description="One range: `bytes=0-99`, `bytes=100-`, `bytes=-100`."),
    ] = None,
    if_none_match: Annotated[
        str | None,
        Header(
            alias="If-None-Match",
            description="ETags you hold, or `*`: 304 without the audio when one is current.",
        ),
    ] = None,
    if_range: Annotated[
        str | None,
        Header(
            alias="If-Range",
            description="The ETag (or Last-Modified date) of the part you hold: the `Range` is "
            "served while it is current, else the whole recording (200).",
        ),
    ] = None,
) -> Conditions:
    return Conditions(range_header, if_none_match, if_range)


RecordingConditions = Annotated[Conditions, Depends(_recording_conditions)]


async def _open_recording(
    request: Request, call_id: str, conditions: Conditions
) -> RecordingStream:
    services = get_services(request)
    return await service.open_recording(
        services.reader,
        services.recordings,
        principal_of(request).account_id,
        call_id,
        conditions,
    )


async def _without_body(stream: RecordingStream) -> Response:
    """The stream's status and header fields alone (HEAD, a 304)."""
    await stream.close()
    media_type = None if stream.status_code == 304 else stream.media_type
    return Response(status_code=stream.status_code, headers=stream.headers, media_type=media_type)


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


_VALIDATORS = {
    "ETag": _header("The recording's entity tag, for `If-None-Match` and `If-Range`."),
    "Last-Modified": _header("When the recording last changed (an HTTP-date), when known."),
}
_AUDIO_HEADERS = {"Accept-Ranges": _header("`bytes`: `Range` is supported."), **_VALIDATORS}
_RECORDING_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"audio/wav": {}},
        "description": "The whole recording.",
        "headers": _AUDIO_HEADERS,
    },
    206: {
        "content": {"audio/wav": {}},
        "description": "The byte range asked for.",
        "headers": {
            **_AUDIO_HEADERS,
            "Content-Range": _header("`bytes first-last/size`: the part sent, of how much."),
        },
    },
    304: {
        "description": "`If-None-Match` matched: the recording you hold is current. No body.",
        "headers": _VALIDATORS,
    },
    **error_responses(*AUTHENTICATED, 404, 416),
}


@router.get(
    "/{call_id}/recording", response_class=StreamingResponse, responses=_RECORDING_RESPONSES
)
async def get_recording(
    call_id: str, request: Request, conditions: RecordingConditions
) -> Response:
    """Streams the call audio as `audio/wav`; supports `Range` for seeking, and `ETag` with
    `If-None-Match` and `If-Range`."""
    stream = await _open_recording(request, call_id, conditions)
    if stream.status_code == 304:
        return await _without_body(stream)
    return StreamingResponse(
        stream.body,
        status_code=stream.status_code,
        headers=stream.headers,
        media_type=stream.media_type,
        background=BackgroundTask(stream.close),
    )


@router.head("/{call_id}/recording", response_class=Response, responses=_RECORDING_RESPONSES)
async def head_recording(
    call_id: str, request: Request, conditions: RecordingConditions
) -> Response:
    """What GET would answer (status, `Content-Length`, `Content-Range`, `ETag`), without the
    audio."""
    return await _without_body(await _open_recording(request, call_id, conditions))
