"""`stats.service.overview`: the stats per local date and per local hour of the week."""

from datetime import date

from humanadd.dependencies import Services
from humanadd.stats import service
from humanadd.stats.service import DayTotals
from tests.conftest import AddCalls, MakeAccount
from tests.stats.builders import call
from tests.stats.conftest import NOW, ComputeStats

ZONE = "America/New_York"


async def test_days_and_hours_follow_the_account_clock_across_midnight(
    services: Services, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    account = await make_account(timezone=ZONE)
    other = await make_account(timezone=ZONE)
    await add_calls(
        account,
        [
            call("2026-11-15T03:30:00Z"),  # Saturday 14th, 22:30 EST
            call("2026-11-15T03:40:00Z", duration_seconds=0),  # missed, same hour
            call("2026-11-15T05:30:00Z", disconnection_reason="voicemail_reached"),  # Sun 0:30
            call("2026-11-14T11:59:00Z"),  # before the window of one day
        ],
    )
    await add_calls(other, [call("2026-11-15T04:00:00Z")])
    async with services.sessions.begin() as session:
        result = await service.overview(session, account.id, ZONE, days=1, now_ms=NOW)
    # The window (Nov 14 7:00 to Nov 15 7:00 EST) touches two local dates.
    assert result.days == [
        DayTotals(date(2026, 11, 14), answered=1, missed=1),
        DayTotals(date(2026, 11, 15), answered=0, missed=1),
    ]
    expected = [0] * 168
    expected[5 * 24 + 22] = 2
    expected[6 * 24 + 0] = 1
    assert result.hours_of_week == expected
    assert result.window == service.window_for(1, NOW)
    assert result.stats.total_calls == 3


async def test_every_local_date_of_the_window_is_listed_even_without_calls(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account(timezone=ZONE)
    async with services.sessions.begin() as session:
        result = await service.overview(session, account.id, ZONE, days=7, now_ms=NOW)
    assert [day.day for day in result.days] == [date(2026, 11, d) for d in range(8, 16)]
    assert all(day.answered == day.missed == 0 for day in result.days)
    assert result.hours_of_week == [0] * 168


async def test_the_stats_are_those_of_compute_across_a_dst_change(
    services: Services, make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account(timezone=ZONE)
    await add_calls(
        account,
        [
            call("2026-11-01T05:30:00Z", sentiment="positive"),  # 1:30 EDT, before the change
            call("2026-11-01T06:30:00Z", sentiment="negative"),  # 1:30 EST, after it
            call("2026-11-10T14:00:00Z", direction="outbound", duration_seconds=125),
            call("2026-11-12T20:00:00Z", status="ongoing", duration_seconds=0),
            call("2026-10-20T14:00:00Z", disconnection_reason="dial_busy", questions=["Open?"]),
        ],
    )
    for days in (1, 7, 30, 90):
        async with services.sessions.begin() as session:
            result = await service.overview(session, account.id, ZONE, days=days, now_ms=NOW)
        assert result.stats == await stats_of(account, days=days, timezone=ZONE)
        assert sum(day.answered for day in result.days) == result.stats.answered
        assert sum(day.missed for day in result.days) == result.stats.missed
        assert sum(result.hours_of_week) == result.stats.total_calls
    # Both calls of the repeated hour are at 1am on Sunday November 1st.
    assert result.hours_of_week[6 * 24 + 1] == 2
    assert next(day for day in result.days if day.day == date(2026, 11, 1)).answered == 2
