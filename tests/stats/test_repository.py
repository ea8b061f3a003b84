"""The stats' SQL: local weekday and hour of each call, to the millisecond, on both databases."""

from humanadd.dependencies import Services
from humanadd.stats import repository, service
from humanadd.stats.repository import MS_PER_DAY, Window
from tests.conftest import AddCalls, MakeAccount
from tests.stats.builders import at, call

SPRING_FORWARD = at("2026-03-08T07:00:00Z")  # 2am EST becomes 3am EDT
FALL_BACK = at("2026-11-01T06:00:00Z")  # 2am EDT becomes 1am EST


async def _local_slots(
    services: Services, account_id: str, zone_name: str, window: Window
) -> dict[tuple[int, int], int]:
    async with services.sessions.begin() as session:
        rows = await repository.hourly_totals(
            session, account_id, window, service.utc_offsets(zone_name, window)
        )
    return {divmod(int(row.hour_of_week), 24): int(row.calls) for row in rows}


async def test_local_hour_changes_at_the_exact_millisecond_of_each_dst_change(
    services: Services, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call(SPRING_FORWARD - 1),  # Sunday 1:59:59.999am EST
            call(SPRING_FORWARD),  # Sunday 3:00am EDT
            call(FALL_BACK - 1),  # Sunday 1:59:59.999am EDT
            call(FALL_BACK),  # Sunday 1:00am EST, again
            call(FALL_BACK + 3_600_000),  # Sunday 2:00am EST
        ],
    )
    window = Window(at("2026-01-01T00:00:00Z"), at("2026-12-31T00:00:00Z"))
    assert await _local_slots(services, account.id, "America/New_York", window) == {
        (6, 1): 3,
        (6, 2): 1,
        (6, 3): 1,
    }
    assert await _local_slots(services, account.id, "UTC", window) == {
        (6, 6): 2,
        (6, 7): 2,
        (6, 5): 1,
    }


async def test_weekdays_count_from_monday_as_0(
    services: Services, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call("1970-01-01T00:00:00.001Z"),  # Thursday
            call("1970-01-05T12:00:00Z"),  # Monday
            call("1970-01-11T23:59:59.999Z"),  # Sunday
            call("2026-11-16T00:00:00Z"),  # Monday
        ],
    )
    early = Window(0, 12 * MS_PER_DAY)
    assert await _local_slots(services, account.id, "UTC", early) == {
        (3, 0): 1,
        (0, 12): 1,
        (6, 23): 1,
    }
    late = Window(at("2026-11-15T00:00:00Z"), at("2026-11-17T00:00:00Z"))
    assert await _local_slots(services, account.id, "UTC", late) == {(0, 0): 1}
    # Monday midnight in UTC is Sunday 7pm in New York.
    assert await _local_slots(services, account.id, "America/New_York", late) == {(6, 19): 1}


async def test_a_zone_ahead_of_utc_moves_calls_into_the_next_local_day(
    services: Services, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    account = await make_account()
    await add_calls(account, [call("2026-11-15T18:40:00Z")])  # Sunday in UTC
    window = Window(at("2026-11-14T00:00:00Z"), at("2026-11-17T00:00:00Z"))
    assert await _local_slots(services, account.id, "Asia/Kolkata", window) == {(0, 0): 1}
    assert await _local_slots(services, account.id, "Pacific/Kiritimati", window) == {(0, 8): 1}
