"""HTTP routes of /api/v1/kb: queue a change, read the knowledge base and the changes."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from humanadd.api.auth import AuthenticatedRoute, principal_of
from humanadd.clock import iso_from_datetime
from humanadd.dependencies import SessionDep, get_services
from humanadd.errors import (
    AUTHENTICATED,
    NotFound,
    error_responses,
    quote,
)
from humanadd.http import JsonResponse, json_body, request_body, single_header
from humanadd.idempotency import service as idempotency
from humanadd.kb import changes, repository
from humanadd.kb.schemas import (
    MAX_TEXT_LENGTH,
    KbChangeList,
    KbChangeQueued,
    KbChangeRequest,
    KbChangeResponse,
    KbResponse,
    change_body,
)
from humanadd.params import Digits

router = APIRouter(prefix="/kb", tags=["kb"], route_class=AuthenticatedRoute)

MAX_BODY_BYTES = 2 * 1024 * 1024
"""Room for 100,000 characters even when every one is written as a JSON escape."""
TOO_LARGE = (
    f"The request body is too large: body field 'text' holds at most {MAX_TEXT_LENGTH:,} "
    "characters."
)

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=idempotency.HEADER,
        description="Makes a retry safe: a request repeated with the same key and body within "
        "24 hours returns the first answer (with `Idempotent-Replayed: true`) instead of acting "
        "twice. 1 to 255 visible ASCII characters, unique per request; a UUID is a good choice.",
        json_schema_extra={"minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
    ),
]


async def idempotency_key(request: Request, _declared: IdempotencyKeyHeader = None) -> str | None:
    """The `Idempotency-Key` header; 400 when it was sent twice (`_declared` documents it)."""
    return single_header(request, idempotency.HEADER)


@router.post(
    "",
    response_model=KbChangeQueued,
    responses={
        200: {
            "description": "The change is queued for review.",
            "headers": {
                idempotency.REPLAYED_HEADER: {
                    "description": "`true` when this is the stored answer to an earlier "
                    "request with the same `Idempotency-Key`.",
                    "schema": {"type": "string", "enum": ["true"]},
                }
            },
        },
        **error_responses(*AUTHENTICATED, 409),
    },
    openapi_extra=request_body(KbChangeRequest),
)
async def submit_change(
    request: Request,
    session: SessionDep,
    change: Annotated[
        KbChangeRequest, Depends(json_body(KbChangeRequest, MAX_BODY_BYTES, TOO_LARGE))
    ],
    key: Annotated[str | None, Depends(idempotency_key)],
) -> Response:
    """Queue a change to your AI's knowledge base; it is reviewed, then pushed within minutes."""
    account_id = principal_of(request).account_id
    answer = await changes.submit_change(session, account_id, change, key)
    return Response(
        answer.body,
        status_code=answer.status_code,
        media_type="application/json",
        headers=answer.headers,
    )


@router.get("", response_model=KbResponse, responses=error_responses(*AUTHENTICATED))
async def get_kb(request: Request, session: SessionDep) -> JsonResponse:
    """Your knowledge base as it is now (every approved change applied), and whether your AI
    receptionist has it yet."""
    kb = await changes.view(session, principal_of(request).account_id)
    entries = [
        {
            "text": entry.text,
            "change_id": entry.change_id,
            "added_at": iso_from_datetime(entry.added_at),
        }
        for entry in kb.entries
    ]
    return JsonResponse(
        {
            "ok": True,
            "kb": {
                "version": kb.version,
                "entries": entries,
                "pushed": kb.pushed,
                "pushed_at": iso_from_datetime(kb.pushed_at),
            },
        }
    )


class ChangesQuery(BaseModel):
    """The query parameters of GET /kb/changes."""

    limit: Annotated[int, Field(ge=1, le=100, description="How many changes, at most."), Digits] = (
        20
    )
    cursor: Annotated[
        str | None,
        Field(max_length=2048, description="`next_cursor` of a previous page: the older changes."),
    ] = None


@router.get("/changes", response_model=KbChangeList, responses=error_responses(*AUTHENTICATED))
async def list_changes(
    request: Request,
    session: SessionDep,
    query: Annotated[ChangesQuery, Query()],
) -> JsonResponse:
    """Your changes, newest first, a page at a time."""
    page = await changes.changes_page(
        session,
        get_services(request).cursors,
        principal_of(request).account_id,
        limit=query.limit,
        cursor=query.cursor,
    )
    return JsonResponse(page)


@router.get(
    "/changes/{change_id}",
    response_model=KbChangeResponse,
    responses=error_responses(*AUTHENTICATED, 404),
)
async def get_change(change_id: str, request: Request, session: SessionDep) -> JsonResponse:
    """One of your changes: where it stands in review and push."""
    change = await repository.get_change(session, principal_of(request).account_id, change_id)
    if change is None:
        raise NotFound(f"No knowledge-base change {quote(change_id)}.")
    return JsonResponse({"ok": True, "change": change_body(change)})
