"""Every dashboard page's router, and how the app mounts them (under `/dashboard`)."""

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from humanadd.dashboard.auth import ViewerDep
from humanadd.dashboard.headers import PREFIX
from humanadd.dashboard.pages import (
    accounts,
    audit,
    call_detail,
    calls,
    integrations,
    integrations_webhooks,
    knowledge_base,
    login,
    overview,
    review,
)

home = APIRouter()


@home.get("")
async def dashboard_home(who: ViewerDep) -> RedirectResponse:
    """A customer's Overview, or an operator's Accounts."""
    return RedirectResponse(
        f"{PREFIX}/accounts" if who.is_operator else f"{PREFIX}/overview", status_code=303
    )


ROUTERS: tuple[APIRouter, ...] = (
    home,
    login.router,
    overview.router,
    calls.router,
    call_detail.router,
    knowledge_base.router,
    accounts.router,
    review.router,
    audit.router,
    integrations.router,
    integrations_webhooks.router,
)
"""Included by `humanadd.app` with the prefix `/dashboard`, out of the OpenAPI schema."""
