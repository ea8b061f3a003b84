"""HTTP routes of /api/v1/stats."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from humanadd.api.auth import AuthenticatedRoute, principal_of
from humanadd.clock import now_ms
from humanadd.dependencies import SessionDep
from humanadd.errors import AUTHENTICATED, error_responses
from humanadd.params import Digits
from humanadd.stats import service
from humanadd.stats.schemas import QuestionsResponse, StatsResponse


class StatsQuery(BaseModel):
    """The query parameters of GET /stats."""

    days: Annotated[
        int, Field(ge=1, le=365, description="The period: the last `days` x 24 hours."), Digits
    ] = 30


router = APIRouter(tags=["stats"], route_class=AuthenticatedRoute)


def request_time_ms() -> int:
    """The moment the window ends; tests pin it through `app.dependency_overrides`."""
    return now_ms()


@router.get("/stats", response_model=StatsResponse, responses=error_responses(*AUTHENTICATED))
async def get_stats(
    request: Request,
    session: SessionDep,
    now: Annotated[int, Depends(request_time_ms)],
    query: Annotated[StatsQuery, Query()],
) -> StatsResponse:
    """Aggregate metrics of your calls over a rolling period, in your account's time zone."""
    days = query.days
    principal = principal_of(request)
    stats = await service.compute(
        session, principal.account_id, principal.timezone, days=days, now_ms=now
    )
    return StatsResponse(period_days=days, stats=stats)


@router.get(
    "/questions", response_model=QuestionsResponse, responses=error_responses(*AUTHENTICATED)
)
async def get_questions(
    request: Request,
    session: SessionDep,
    now: Annotated[int, Depends(request_time_ms)],
    query: Annotated[StatsQuery, Query()],
) -> QuestionsResponse:
    """What your callers asked over a rolling period: every topic (questions grouped by
    meaning), with how many calls asked it and examples of their wordings."""
    topics = await service.questions_asked(
        session, principal_of(request).account_id, days=query.days, now_ms=now
    )
    return QuestionsResponse(period_days=query.days, questions=topics)
