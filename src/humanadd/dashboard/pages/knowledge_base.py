"""`/dashboard/knowledge-base`: the current text and its push, submitting a change (a replace
on its own page, which says what it wipes), and the account's changes.

Like `POST /api/v1/kb`, it is Enterprise only. Owners, members and operators may submit: the
API lets any key holder do so, and every change goes through the same checks and review.
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.dashboard.auth import AccountPage, AccountPageDep, FormDep, field, require_enterprise
from humanadd.dashboard.errors import PageError
from humanadd.dashboard.templating import render
from humanadd.dependencies import ServicesDep, SessionDep
from humanadd.errors import InvalidRequest
from humanadd.kb import changes, review
from humanadd.kb.schemas import MAX_TEXT_LENGTH, KbChangeRequest
from humanadd.users import service as users

router = APIRouter()

ROUTE = "/knowledge-base"
PATH = f"/dashboard{ROUTE}"
"""The page's address (the app mounts the dashboard's routers under `/dashboard`)."""
REPLACE_ROUTE = f"{ROUTE}/replace"
PAGE_SIZE = 20
FEATURE = "The knowledge base"


def text_error(error: ValidationError) -> str:
    """The sentence a form shows for a text `KbChangeRequest` refuses."""
    first = error.errors()[0]
    if first["type"] == "string_too_long":
        return f"The text is too long: at most {MAX_TEXT_LENGTH:,} characters."
    return f"The text {first['msg']}."


async def _page(
    request: Request,
    page: AccountPage,
    session: AsyncSession,
    services: ServicesDep,
    *,
    text: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {"page": page, "viewer": page.viewer, "text": text, "error": error}
    if page.enterprise:
        cursor = request.query_params.get("cursor") or None
        try:
            found = await changes.changes_slice(
                session, services.cursors, page.account.id, limit=PAGE_SIZE, cursor=cursor
            )
        except InvalidRequest:
            raise PageError(
                "This page link is not valid any more; start from the first page."
            ) from None
        actors = [change.submitted_by for change in found.changes]
        context |= {
            "kb": await changes.view(session, page.account.id),
            "changes": found,
            "names": {"api": "the API", **await users.actor_names(session, actors)},
            "first_page": cursor is None,
            "submitted": request.query_params.get("submitted"),
        }
    return render(request, "knowledge_base.html", context, status_code=status)


@router.get(ROUTE)
async def knowledge_base(
    request: Request, page: AccountPageDep, session: SessionDep, services: ServicesDep
) -> HTMLResponse:
    """The Knowledge base tab."""
    return await _page(request, page, session, services)


@router.get(REPLACE_ROUTE)
async def replace_form(request: Request, page: AccountPageDep, session: SessionDep) -> Response:
    """The confirmation step of a replace: what it wipes, and the text to replace it with."""
    require_enterprise(page, FEATURE)
    return await _replace_page(request, page, session)


async def _replace_page(
    request: Request,
    page: AccountPage,
    session: AsyncSession,
    *,
    text: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {
        "page": page,
        "viewer": page.viewer,
        "kb": await changes.view(session, page.account.id),
        "text": text,
        "error": error,
    }
    return render(request, "knowledge_base_replace.html", context, status_code=status)


async def _submit(
    page: AccountPage, session: AsyncSession, text: str, *, replace: bool
) -> RedirectResponse | str:
    """Queue the change and review it at once, as the worker would, so the list shows where it
    stands; the redirect to the list, or the form's error."""
    try:
        request = KbChangeRequest(text=text, replace=replace)
    except ValidationError as error:
        return text_error(error)
    queued = await changes.queue_change(
        session, page.account.id, request, submitted_by=page.viewer.actor
    )
    await review.review(session, page.account.id)
    return RedirectResponse(page.url(PATH, submitted=queued.change_id), status_code=303)


@router.post(ROUTE)
async def append(
    request: Request,
    page: AccountPageDep,
    data: FormDep,
    session: SessionDep,
    services: ServicesDep,
) -> Response:
    """Append a text to the knowledge base."""
    require_enterprise(page, FEATURE)
    text = field(data, "text")
    outcome = await _submit(page, session, text, replace=False)
    if isinstance(outcome, str):
        return await _page(request, page, session, services, text=text, error=outcome, status=400)
    return outcome


@router.post(REPLACE_ROUTE)
async def replace(
    request: Request, page: AccountPageDep, data: FormDep, session: SessionDep
) -> Response:
    """Replace the whole knowledge base with one text (sent from the confirmation page)."""
    require_enterprise(page, FEATURE)
    text = field(data, "text")
    outcome = await _submit(page, session, text, replace=True)
    if isinstance(outcome, str):
        return await _replace_page(request, page, session, text=text, error=outcome, status=400)
    return outcome
