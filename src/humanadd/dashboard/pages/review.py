"""`/dashboard/review` (operators only): the knowledge-base changes held for review, of every
account, with their findings and a diff against the current text; approve, or reject with a
reason the customer sees on their Knowledge base tab."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import service as accounts
from humanadd.dashboard.auth import FormDep, OperatorDep, Viewer, field
from humanadd.dashboard.errors import PageNotFound
from humanadd.dashboard.templating import render
from humanadd.dependencies import SessionDep
from humanadd.kb import changes, review
from humanadd.kb.errors import KbError
from humanadd.users import service as users

router = APIRouter()

ROUTE = "/review"
PATH = f"/dashboard{ROUTE}"
"""The page's address (the app mounts the dashboard's routers under `/dashboard`)."""


async def _page(
    request: Request,
    who: Viewer,
    session: AsyncSession,
    *,
    error: tuple[str, str] | None = None,
    reason: str = "",
    status: int = 200,
) -> HTMLResponse:
    """The queue; `error` is a change's id and what was wrong with deciding it."""
    queue = await changes.review_queue(session)
    context = {
        "page": None,
        "viewer": who,
        "queue": queue,
        "accounts": {account.id: account for account in await accounts.list_accounts(session)},
        "names": {
            "api": "the API",
            **await users.actor_names(session, [held.change.submitted_by for held in queue]),
        },
        "error": error,
        "reason": reason,
        "approved": request.query_params.get("approved"),
        "rejected": request.query_params.get("rejected"),
    }
    return render(request, "review.html", context, status_code=status)


@router.get(ROUTE)
async def review_queue(request: Request, who: OperatorDep, session: SessionDep) -> HTMLResponse:
    """The Review queue."""
    return await _page(request, who, session)


async def _require_change(session: AsyncSession, change_id: str) -> None:
    try:
        await changes.change(session, change_id)
    except KbError:
        raise PageNotFound("There is no such knowledge-base change.") from None


@router.post(f"{ROUTE}/{{change_id}}/approve")
async def approve(
    change_id: str, request: Request, who: OperatorDep, _data: FormDep, session: SessionDep
) -> Response:
    """Approve a held change: it applies (after any earlier held change of its account)."""
    await _require_change(session, change_id)
    try:
        await review.approve(session, change_id, actor=who.actor)
    except KbError as error:
        return await _page(request, who, session, error=(change_id, str(error)), status=400)
    return RedirectResponse(f"{PATH}?approved={change_id}", status_code=303)


@router.post(f"{ROUTE}/{{change_id}}/reject")
async def reject(
    change_id: str, request: Request, who: OperatorDep, data: FormDep, session: SessionDep
) -> Response:
    """Reject a held change with a reason the customer sees; it never applies."""
    await _require_change(session, change_id)
    reason = field(data, "reason")
    try:
        await review.reject(session, change_id, actor=who.actor, reason=reason)
    except KbError as error:
        return await _page(
            request, who, session, error=(change_id, str(error)), reason=reason, status=400
        )
    return RedirectResponse(f"{PATH}?rejected={change_id}", status_code=303)
