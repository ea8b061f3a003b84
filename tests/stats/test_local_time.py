"""Busiest day and peak hours: the 12-hour clock, ties, runs past midnight, and local days and
hours in the account's time zone across DST changes (docs/stats.md)."""

import pytest

from humanadd.stats import service
from humanadd.stats.repository import Window
from tests.conftest import AddCalls, MakeAccount
from tests.stats.builders import at, call
from tests.stats.conftest import NOW, ComputeStats

# --- formatting and choosing, on small inputs -------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "text"),
    [(0, "12am"), (1, "1am"), (9, "9am"), (11, "11am"), (12, "12pm"), (13, "1pm"), (23, "11pm")],
)
def test_hours_are_12_hour_clock_with_12am_at_midnight_and_12pm_at_noon(
    hour: int, text: str
) -> None:
    assert service.format_hour(hour) == text


def _hours(**starts: int) -> list[int]:
    counts = [0] * 24
    for name, count in starts.items():
        counts[int(name[1:])] = count
    return counts


def test_peak_hours_is_the_best_run_of_three_hours() -> None:
    assert service.peak_hours(_hours(h9=5, h10=1, h11=4, h15=6)) == "9am - 12pm"
    assert service.peak_hours(_hours(h12=1, h13=1, h14=1)) == "12pm - 3pm"
    assert service.peak_hours(_hours(h0=2, h1=2, h2=2, h12=1)) == "12am - 3am"
    assert service.peak_hours(_hours(h21=1, h22=1, h23=1)) == "9pm - 12am"


def test_peak_hours_wraps_past_midnight() -> None:
    assert service.peak_hours(_hours(h23=3, h0=3, h1=3, h9=4)) == "11pm - 2am"
    assert service.peak_hours(_hours(h22=1, h23=5, h0=5)) == "10pm - 1am"


def test_peak_hours_ties_go_to_the_earliest_start_hour() -> None:
    assert service.peak_hours(_hours(h15=2, h16=2, h17=2, h8=2, h9=2, h10=2)) == "8am - 11am"
    # One lone hour: the windows starting two hours and one hour before it tie with it.
    assert service.peak_hours(_hours(h5=1)) == "3am - 6am"
    assert service.peak_hours(_hours(h0=1)) == "12am - 3am"  # not 10pm or 11pm, later starts
    assert service.peak_hours([0] * 24) is None


def test_busiest_day_ties_go_to_the_earliest_weekday_monday_first() -> None:
    assert service.busiest_day([0, 0, 3, 0, 0, 0, 1]) == "Wednesday"
    assert service.busiest_day([0, 0, 3, 0, 0, 0, 3]) == "Wednesday"
    assert service.busiest_day([2, 0, 2, 0, 0, 0, 2]) == "Monday"
    assert service.busiest_day([0, 0, 0, 0, 0, 4, 4]) == "Saturday"
    assert service.busiest_day([0] * 7) is None


def test_utc_offsets_change_at_the_exact_dst_transitions() -> None:
    offsets = service.utc_offsets("America/New_York", service.window_for(365, NOW))
    assert offsets.initial_ms == -5 * 3_600_000
    assert offsets.changes == (
        (at("2026-03-08T07:00:00Z"), -4 * 3_600_000),  # 2am EST → 3am EDT
        (at("2026-11-01T06:00:00Z"), -5 * 3_600_000),  # 2am EDT → 1am EST
    )


def test_utc_offsets_hold_only_the_changes_inside_the_window() -> None:
    summer = service.utc_offsets(
        "America/New_York", service.window_for(30, at("2026-07-01T00:00Z"))
    )
    assert summer.initial_ms == -4 * 3_600_000
    assert summer.changes == ()
    ends_at_change = Window(at("2026-10-01T00:00Z"), at("2026-11-01T06:00:00Z"))
    assert service.utc_offsets("America/New_York", ends_at_change).changes == (
        (at("2026-11-01T06:00:00Z"), -5 * 3_600_000),
    )
    just_before = Window(at("2026-10-01T00:00Z"), at("2026-11-01T06:00:00Z") - 1)
    assert service.utc_offsets("America/New_York", just_before).changes == ()
    assert service.utc_offsets("UTC", service.window_for(365, NOW)) == service.UtcOffsets(0)


def test_utc_offsets_of_a_zone_with_half_hour_dst() -> None:
    offsets = service.utc_offsets("Australia/Lord_Howe", service.window_for(365, NOW))
    assert offsets.initial_ms == 11 * 3_600_000
    assert offsets.changes == (
        (at("2026-04-04T15:00:00Z"), 10 * 3_600_000 + 1_800_000),
        (at("2026-10-03T15:30:00Z"), 11 * 3_600_000),
    )


# --- every figure, computed by the database -----------------------------------------------------


async def test_busiest_day_and_peak_hours_use_the_account_time_zone(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            # Tuesday early in UTC, Monday evening in New York (EST, UTC-5).
            call("2026-11-10T02:40:00Z"),
            call("2026-11-10T03:40:00Z"),
            call("2026-11-10T04:40:00Z"),
            call("2026-11-11T15:00:00Z"),  # Wednesday 10am in New York
        ],
    )
    utc = await stats_of(account)
    assert (utc.busiest_day, utc.peak_hours) == ("Tuesday", "2am - 5am")
    new_york = await stats_of(account, timezone="America/New_York")
    assert (new_york.busiest_day, new_york.peak_hours) == ("Monday", "9pm - 12am")
    kolkata = await stats_of(account, timezone="Asia/Kolkata")  # UTC+5:30
    assert (kolkata.busiest_day, kolkata.peak_hours) == ("Tuesday", "8am - 11am")


async def test_busiest_day_tie_goes_to_the_earliest_weekday(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call("2026-11-15T10:00:00Z"),  # Sunday
            call("2026-11-15T11:00:00Z"),
            call("2026-11-11T10:00:00Z"),  # Wednesday
            call("2026-11-11T23:00:00Z"),
            call("2026-11-14T10:00:00Z"),  # Saturday
        ],
    )
    assert (await stats_of(account)).busiest_day == "Wednesday"
    await add_calls(account, [call("2026-11-09T09:00:00Z"), call("2026-11-09T09:30:00Z")])
    assert (await stats_of(account)).busiest_day == "Monday"


async def test_peak_hours_wrap_past_midnight(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account(timezone="America/New_York")
    await add_calls(
        account,
        [
            call("2026-11-13T04:30:00Z"),  # 11:30pm EST Thursday
            call("2026-11-13T05:30:00Z"),  # 12:30am Friday
            call("2026-11-13T06:30:00Z"),  # 1:30am
            call("2026-11-14T04:59:59.999Z"),  # 11:59pm Friday
            call("2026-11-13T14:00:00Z"),  # 9am
        ],
    )
    stats = await stats_of(account, timezone="America/New_York")
    assert stats.peak_hours == "11pm - 2am"
    assert stats.busiest_day == "Friday"


async def test_local_hours_follow_dst_changes_in_spring_and_autumn(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    """14:30 UTC is 9:30am before the spring change and 10:30am after; the reverse in autumn."""
    account = await make_account()
    spring = [
        call("2026-03-06T14:30:00Z"),  # Friday 9:30am EST
        call("2026-03-09T13:30:00Z"),  # Monday 9:30am EDT
        call("2026-03-09T14:30:00Z"),  # Monday 10:30am EDT
        call("2026-03-10T15:30:00Z"),  # Tuesday 11:30am EDT
    ]
    await add_calls(account, spring)
    spring_now = at("2026-03-15T00:00:00Z")
    stats = await stats_of(account, now=spring_now, timezone="America/New_York")
    assert (stats.peak_hours, stats.busiest_day) == ("9am - 12pm", "Monday")
    stats = await stats_of(account, now=spring_now, timezone="UTC")
    assert stats.peak_hours == "1pm - 4pm"

    autumn_account = await make_account()
    await add_calls(
        autumn_account,
        [
            call("2026-10-30T13:30:00Z"),  # Friday 9:30am EDT
            call("2026-11-02T14:30:00Z"),  # Monday 9:30am EST
            call("2026-11-02T15:30:00Z"),  # Monday 10:30am EST
            call("2026-11-03T16:30:00Z"),  # Tuesday 11:30am EST
        ],
    )
    stats = await stats_of(autumn_account, timezone="America/New_York")
    assert (stats.peak_hours, stats.busiest_day) == ("9am - 12pm", "Monday")


async def test_calls_during_the_repeated_autumn_hour_are_both_at_1am(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call("2026-11-01T05:30:00Z"),  # Sunday 1:30am EDT
            call("2026-11-01T06:30:00Z"),  # Sunday 1:30am EST, an hour later
            call("2026-11-01T03:30:00Z"),  # Saturday 11:30pm EDT
            call("2026-11-02T07:00:00Z"),  # Monday 2am EST
            call("2026-11-03T08:00:00Z"),  # Tuesday 3am EST
        ],
    )
    stats = await stats_of(account, timezone="America/New_York")
    assert (stats.peak_hours, stats.busiest_day) == ("1am - 4am", "Sunday")
