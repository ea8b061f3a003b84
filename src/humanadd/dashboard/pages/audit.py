"""`/dashboard/audit` (operators only): the audit log, newest first, a page at a time, of every
account or of the one chosen; a dashboard user is shown by email, other actors (`cli`, `auto`)
as stored."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from humanadd.accounts import service as accounts
from humanadd.audit import service as audit
from humanadd.dashboard.auth import OperatorDep
from humanadd.dashboard.errors import PageError, PageNotFound
from humanadd.dashboard.templating import render
from humanadd.dependencies import SessionDep
from humanadd.users import service as users

router = APIRouter()

ROUTE = "/audit"
PATH = f"/dashboard{ROUTE}"
"""The page's address (the app mounts the dashboard's routers under `/dashboard`)."""
PAGE_SIZE = 50


@router.get(ROUTE)
async def audit_log(request: Request, who: OperatorDep, session: SessionDep) -> HTMLResponse:
    """The Audit log; `?account=` filters it, `?before=` pages to older rows."""
    everyone = {account.id: account for account in await accounts.list_accounts(session)}
    account_id = request.query_params.get("account") or None
    if account_id is not None and account_id not in everyone:
        raise PageNotFound("There is no such account.")
    before = request.query_params.get("before") or None
    if before is not None and not before.isdigit():
        raise PageError("This page link is not valid; start from the newest entries.")
    found = await audit.page(
        session,
        account_id=account_id,
        before_id=None if before is None else int(before),
        limit=PAGE_SIZE,
    )
    context = {
        "page": None,
        "viewer": who,
        "accounts": everyone,
        "account_id": account_id,
        "found": found,
        "first_page": before is None,
        "actors": await users.actor_names(session, [event.actor for event in found.events]),
    }
    return render(request, "audit.html", context)
