"""HTTP routes of /api/v1/calls."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from humanadd.calls import service
from humanadd.calls.cursor import CallFilters
from humanadd.calls.recordings import RecordingStream
from humanadd.calls.schemas import (
    CallDetailResponse,
    CallList,
    Direction,
    SentimentFilter,
    Status,
    TagFilter,
)
from humanadd.clock import MAX_UNIX_MS
from humanadd.dependencies import get_services
from humanadd.errors import AUTHENTICATED, error_responses
from humanadd.http import JsonResponse
from humanadd.keys.auth import AuthenticatedRoute, principal_of, read_of, reads_with_key
from humanadd.params import Digits, TrueOrFalse

router = APIRouter(prefix="/calls", tags=["calls"], route_class=AuthenticatedRoute)


class CallListQuery(BaseModel):
    """The query parameters of GET /calls. One model, validated in one step: FastAPI spends
    several times as long on ten separate parameters."""

    limit: Annotated[int, Field(ge=1, le=200), Digits] = 50
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
    direction: Direction | None = None
    status: Status | None = None
    sentiment: Annotated[SentimentFilter | None, Field(description="`unknown`: not analysed.")] = (
        None
    )
    booked: Annotated[bool | None, TrueOrFalse] = None
    tag: TagFilter | None = None


@router.get("", response_model=CallList, responses=error_responses(*AUTHENTICATED))
async def list_calls(request: Request, query: Annotated[CallListQuery, Query()]) -> JsonResponse:
    """Your calls: the most recent first, or with `after` the later ones oldest first."""
    filters = CallFilters(
        direction=query.direction,
        status=query.status,
        sentiment=query.sentiment,
        booked=query.booked,
        tag=query.tag.lower() if query.tag is not None else None,
        before=query.before,
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
@reads_with_key(service.detail_read)
async def get_call(call_id: str, request: Request) -> JsonResponse:
    """Full call details, with the transcript and our own recording URL."""
    return JsonResponse(service.call_detail(call_id, read_of(request)))


async def _open_recording(
    request: Request, call_id: str, range_header: str | None
) -> RecordingStream:
    services = get_services(request)
    return await service.open_recording(
        services.reader,
        services.recordings,
        principal_of(request).account_id,
        call_id,
        range_header,
    )


_RECORDING_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"audio/wav": {}}, "description": "The whole recording."},
    206: {"content": {"audio/wav": {}}, "description": "The byte range asked for."},
    **error_responses(*AUTHENTICATED, 404, 416),
}


@router.get(
    "/{call_id}/recording", response_class=StreamingResponse, responses=_RECORDING_RESPONSES
)
async def get_recording(
    call_id: str,
    request: Request,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> StreamingResponse:
    """Streams the call audio as `audio/wav`; supports `Range` for seeking."""
    stream = await _open_recording(request, call_id, range_header)
    return StreamingResponse(
        stream.body,
        status_code=stream.status_code,
        headers=stream.headers,
        media_type=stream.media_type,
        background=BackgroundTask(stream.close),
    )


@router.head("/{call_id}/recording", response_class=Response, responses=_RECORDING_RESPONSES)
async def head_recording(
    call_id: str,
    request: Request,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    """What GET would answer (status, `Content-Length`, `Content-Range`), without the audio."""
    stream = await _open_recording(request, call_id, range_header)
    await stream.close()
    return Response(
        status_code=stream.status_code, headers=stream.headers, media_type=stream.media_type
    )
