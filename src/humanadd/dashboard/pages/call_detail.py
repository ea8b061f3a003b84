"""`/dashboard/calls/{call_id}`: one call (summary, badges, the recording, the transcript as
chat bubbles that seek the audio) and `/dashboard/calls/{call_id}/recording`, the audio itself
for the logged-in user, with the API's recording machinery (ranges, validators)."""

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from humanadd.calls import service as calls
from humanadd.calls.outcome import outcome
from humanadd.dashboard.auth import AccountPage, AccountPageDep
from humanadd.dashboard.errors import PageNotFound
from humanadd.dashboard.templating import duration, render
from humanadd.dependencies import ServicesDep
from humanadd.errors import NotFound
from humanadd.recordings import Conditions

router = APIRouter()

REFRESH_SECONDS = 10
"""How often an ongoing call's page reloads itself."""
SPEAKERS = {"agent": "AI", "user": "Caller"}


@dataclass(frozen=True, slots=True)
class Line:
    """A turn of the transcript as a bubble; `start` (seconds) when its words are timed."""

    role: str
    speaker: str
    content: str
    start: float | None

    @property
    def offset(self) -> str:
        return duration(int(self.start or 0))


def transcript_lines(turns: list[dict[str, Any]] | None) -> list[Line]:
    """The bubbles of a `transcript_object`, each starting at its first timed word."""
    lines = []
    for turn in turns or []:
        if not isinstance(turn, dict):
            continue  # stored as the provider sent it: show what can be shown
        role = str(turn.get("role", ""))
        words = turn.get("words")
        if not isinstance(words, list):
            words = []
        starts = [
            word["start"]
            for word in words
            if isinstance(word, dict) and isinstance(word.get("start"), int | float)
        ]
        lines.append(
            Line(
                role=role if role in SPEAKERS else "user",
                speaker=SPEAKERS.get(role, role or "Caller"),
                content=str(turn.get("content", "")),
                start=float(min(starts)) if starts else None,
            )
        )
    return lines


async def _call_of(page: AccountPage, services: ServicesDep, call_id: str) -> dict[str, Any]:
    try:
        return await calls.find_call(services.reader, page.account.id, call_id)
    except NotFound:
        raise PageNotFound("This account has no such call.") from None


@router.get("/calls/{call_id}")
async def call_page(
    request: Request, call_id: str, page: AccountPageDep, services: ServicesDep
) -> HTMLResponse:
    """A call's details, its recording and its transcript."""
    call = await _call_of(page, services, call_id)
    lines = transcript_lines(call["transcript_object"])
    context = {
        "page": page,
        "viewer": page.viewer,
        "call": call,
        "outcome": outcome(call["status"], call["duration_seconds"], call["disconnection_reason"]),
        "lines": lines,
        "timed": any(line.start is not None for line in lines),
        "recording_url": page.url(f"/dashboard/calls/{quote(call_id, safe='')}/recording")
        if call["recording_url"]
        else None,
        "refresh": REFRESH_SECONDS if call["status"] == "ongoing" else None,
    }
    return render(request, "call_detail.html", context)


@router.get("/calls/{call_id}/recording")
async def recording(
    call_id: str,
    page: AccountPageDep,
    services: ServicesDep,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
    if_range: Annotated[str | None, Header(alias="If-Range")] = None,
) -> Response:
    """The call's audio for the player, as the API streams it (Range, ETag), authorised by the
    session: a page never holds an API key."""
    try:
        stream = await calls.open_recording(
            services.reader,
            services.recordings,
            page.account.id,
            call_id,
            Conditions(range_header, if_none_match, if_range),
        )
    except NotFound as error:
        raise PageNotFound(error.message) from None
    if stream.status_code == 304:
        await stream.close()
        return Response(status_code=304, headers=stream.headers)
    return StreamingResponse(
        stream.body,
        status_code=stream.status_code,
        headers={**stream.headers, "Cache-Control": "private, no-cache"},
        media_type=stream.media_type,
        background=BackgroundTask(stream.close),
    )
