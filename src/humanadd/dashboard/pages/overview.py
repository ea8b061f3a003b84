"""`/dashboard/overview`: the account's stats for 1, 7, 30 or 90 days."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from humanadd.dashboard.auth import AccountPageDep
from humanadd.dashboard.templating import render

router = APIRouter()


@router.get("/overview")
async def overview(request: Request, page: AccountPageDep) -> HTMLResponse:
    """The Overview tab."""
    return render(request, "overview.html", {"page": page, "viewer": page.viewer})
