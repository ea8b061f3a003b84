"""`/dashboard/accounts` (operators only): every account with its plan, time zone, calls and
knowledge-base policy; creating one (its first API key shown once), changing its plan and its
review policy. Each account's name opens its pages (`?account=`)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import service as accounts
from humanadd.accounts.errors import AccountError
from humanadd.accounts.models import Account, Plan
from humanadd.calls import service as calls
from humanadd.dashboard.auth import FormDep, OperatorDep, Viewer, field
from humanadd.dashboard.errors import PageNotFound
from humanadd.dashboard.templating import render
from humanadd.dependencies import SessionDep
from humanadd.kb import review
from humanadd.kb.errors import KbError
from humanadd.kb.models import KbPolicy
from humanadd.keys import service as keys

router = APIRouter()

ROUTE = "/accounts"
PATH = f"/dashboard{ROUTE}"
"""The page's address (the app mounts the dashboard's routers under `/dashboard`)."""
NO_STORE = {"Cache-Control": "no-store"}


async def _page(
    request: Request,
    who: Viewer,
    session: AsyncSession,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    row_error: tuple[str, str] | None = None,
    created: tuple[Account, str] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The list of accounts, the create form (with `form`'s values and `error`), an error of
    one account's row (`row_error`: its id and the message), or a new account and its key."""
    everyone = list(await accounts.list_accounts(session))
    context = {
        "page": None,
        "viewer": who,
        "accounts": everyone,
        "call_counts": await calls.call_counts(session, [account.id for account in everyone]),
        "plans": [plan.value for plan in Plan],
        "policies": [policy.value for policy in KbPolicy],
        "form": form or {"name": "", "plan": Plan.ENTERPRISE.value, "timezone": "UTC"},
        "error": error,
        "row_error": row_error,
        "created": created,
        "saved": request.query_params.get("saved"),
    }
    return render(request, "accounts.html", context, status_code=status, headers=headers)


@router.get(ROUTE)
async def accounts_page(request: Request, who: OperatorDep, session: SessionDep) -> HTMLResponse:
    """The Accounts page."""
    return await _page(request, who, session)


@router.post(ROUTE)
async def create_account(
    request: Request, who: OperatorDep, data: FormDep, session: SessionDep
) -> Response:
    """Create an account and its first API key, shown on this answer only."""
    form = {name: field(data, name) for name in ("name", "plan", "timezone")}
    try:
        created = await keys.open_account(
            session,
            name=form["name"],
            plan=form["plan"],
            timezone=form["timezone"].strip() or "UTC",
            actor=who.actor,
        )
    except AccountError as error:
        return await _page(request, who, session, form=form, error=str(error), status=400)
    return await _page(request, who, session, created=created, headers=NO_STORE)


async def _account(session: AsyncSession, account_id: str) -> Account:
    try:
        return await accounts.require(session, account_id)
    except AccountError:
        raise PageNotFound("There is no such account.") from None


@router.post(f"{ROUTE}/{{account_id}}/plan")
async def change_plan(
    account_id: str, request: Request, who: OperatorDep, data: FormDep, session: SessionDep
) -> Response:
    """Change the account's plan (audited with the operator's name)."""
    await _account(session, account_id)
    try:
        await accounts.set_plan(session, account_id, field(data, "plan"), actor=who.actor)
    except AccountError as error:
        return await _page(request, who, session, row_error=(account_id, str(error)), status=400)
    return RedirectResponse(f"{PATH}?saved={account_id}#{account_id}", status_code=303)


@router.post(f"{ROUTE}/{{account_id}}/kb-policy")
async def change_policy(
    account_id: str, request: Request, who: OperatorDep, data: FormDep, session: SessionDep
) -> Response:
    """Set whether the account's knowledge-base changes are approved automatically."""
    await _account(session, account_id)
    try:
        await review.set_policy(session, account_id, field(data, "policy"), actor=who.actor)
    except KbError as error:
        return await _page(request, who, session, row_error=(account_id, str(error)), status=400)
    return RedirectResponse(f"{PATH}?saved={account_id}#{account_id}", status_code=303)
