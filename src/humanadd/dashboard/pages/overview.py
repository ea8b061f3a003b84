"""`/dashboard/overview`: the account's stats for 1, 7, 30 or 90 days, with the figures of
`GET /api/v1/stats` for the same window (the same service computes both)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from humanadd.clock import iso_from_ms
from humanadd.dashboard import charts
from humanadd.dashboard.auth import AccountPage, AccountPageDep
from humanadd.dashboard.templating import render
from humanadd.dependencies import SessionDep
from humanadd.stats import service as stats
from humanadd.stats.endpoints import request_time_ms

router = APIRouter()

PRESETS = (1, 7, 30, 90)
DEFAULT_DAYS = 30
"""As in the API."""


def _days(text: str | None) -> tuple[int, str | None]:
    """The period asked for, or the default with the reason it was not taken."""
    if text is None or text == "":
        return DEFAULT_DAYS, None
    if text.isdigit() and int(text) in PRESETS:
        return int(text), None
    return DEFAULT_DAYS, (
        f"The period can be 1, 7, 30 or 90 days, not {text[:20]!r}: "
        f"showing the last {DEFAULT_DAYS} days."
    )


def _calls_of_day(page: AccountPage, day: date) -> str:
    return page.url("/dashboard/calls", **{"from": day.isoformat(), "to": day.isoformat()})


@router.get("/overview")
async def overview(
    request: Request,
    page: AccountPageDep,
    session: SessionDep,
    now: Annotated[int, Depends(request_time_ms)],
) -> HTMLResponse:
    """The Overview tab."""
    days, problem = _days(request.query_params.get("days"))
    account = page.account
    result = await stats.overview(session, account.id, account.timezone, days=days, now_ms=now)
    context = {
        "page": page,
        "viewer": page.viewer,
        "days": days,
        "presets": PRESETS,
        "problem": problem,
        "stats": result.stats,
        "period_start": iso_from_ms(result.window.start_ms),
        "period_end": iso_from_ms(result.window.end_ms),
        "day_rows": result.days,
        "bars": charts.day_bars(result.days, lambda day: _calls_of_day(page, day)),
        "shares": charts.sentiment_shares(result.stats),
        "heatmap": charts.heatmap(result.hours_of_week),
    }
    return render(request, "overview.html", context, status_code=400 if problem else 200)
