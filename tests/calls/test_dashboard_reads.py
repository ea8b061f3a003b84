"""The reads the dashboard adds to calls: a lower time bound, a phone search, one call's detail
without an API key; each within one account."""

import pytest

from humanadd.calls import service
from humanadd.calls.cursor import CallFilters
from humanadd.calls.records import CallRecord
from humanadd.dependencies import Services
from humanadd.errors import NotFound
from tests.conftest import AddCalls, MakeAccount, TestAccount

T = 1_767_000_000_000


def _call(call_id: str, started_at: int, from_number: str, to_number: str) -> CallRecord:
    return CallRecord(
        call_id=call_id,
        direction="inbound",
        started_at=started_at,
        from_number=from_number,
        to_number=to_number,
    )


async def _seeded(make_account: MakeAccount, add_calls: AddCalls) -> tuple[TestAccount, str]:
    account = await make_account()
    other = await make_account()
    await add_calls(
        account,
        [
            _call("call_a", T, "+15551230001", "+15559990000"),
            _call("call_b", T + 1000, "+15550004567", "+15559990000"),
            _call("call_c", T + 2000, "+4930123456", "+15554567000"),
            _call("call_d", T + 3000, "100%_\\", "+15559990000"),
        ],
    )
    await add_calls(other, [_call("call_z", T + 1500, "+15550004567", "+15559990000")])
    return account, other.id


async def _ids(services: Services, account_id: str, filters: CallFilters, **kw: int) -> list[str]:
    page = await service.list_calls(
        services.reader,
        services.cursors,
        account_id,
        limit=kw.get("limit", 50),
        filters=filters,
        after=None,
        cursor_text=None,
    )
    return [call["call_id"] for call in page["calls"]]


async def test_since_keeps_calls_from_that_millisecond_on(
    services: Services, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    account, _ = await _seeded(make_account, add_calls)
    assert await _ids(services, account.id, CallFilters(since=T + 1000)) == [
        "call_d",
        "call_c",
        "call_b",
    ]
    window = CallFilters(since=T + 1000, before=T + 3000)
    assert await _ids(services, account.id, window) == ["call_c", "call_b"]


async def test_phone_matches_part_of_either_number_literally(
    services: Services, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    account, _ = await _seeded(make_account, add_calls)
    assert await _ids(services, account.id, CallFilters(phone="4567")) == ["call_c", "call_b"]
    assert await _ids(services, account.id, CallFilters(phone="+4930")) == ["call_c"]
    assert await _ids(services, account.id, CallFilters(phone="9990000")) == [
        "call_d",
        "call_b",
        "call_a",
    ]
    # LIKE's wildcards and its escape character are plain text here.
    assert await _ids(services, account.id, CallFilters(phone="%")) == ["call_d"]
    assert await _ids(services, account.id, CallFilters(phone="0%_\\")) == ["call_d"]
    assert await _ids(services, account.id, CallFilters(phone="_")) == ["call_d"]
    assert await _ids(services, account.id, CallFilters(phone="777")) == []


async def test_the_next_page_keeps_the_search_and_the_bound(
    services: Services, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    account, _ = await _seeded(make_account, add_calls)
    filters = CallFilters(phone="+1555", since=T + 1000)
    first = await service.list_calls(
        services.reader, services.cursors, account.id,
        limit=1, filters=filters, after=None, cursor_text=None,
    )  # fmt: skip
    assert [call["call_id"] for call in first["calls"]] == ["call_d"]
    second = await service.list_calls(
        services.reader, services.cursors, account.id,
        limit=5, filters=CallFilters(), after=None, cursor_text=first["next_cursor"],
    )  # fmt: skip
    assert [call["call_id"] for call in second["calls"]] == ["call_c", "call_b"]
    assert second["next_cursor"] is None


async def test_find_call_reads_one_call_of_the_account_only(
    services: Services, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    account, other_id = await _seeded(make_account, add_calls)
    call = await service.find_call(services.reader, account.id, "call_b")
    assert call["call_id"] == "call_b"
    assert call["from_number"] == "+15550004567"
    assert call["recording_url"] is None
    assert set(call) >= {"transcript_object", "disconnection_reason", "ended_at"}
    for account_id, call_id in ((other_id, "call_b"), (account.id, "call_z"), (account.id, "x\0")):
        with pytest.raises(NotFound):
            await service.find_call(services.reader, account_id, call_id)


async def test_a_listed_page_has_each_calls_outcome_and_recording_mark(
    services: Services, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            CallRecord(call_id="c1", direction="inbound", started_at=T, duration_seconds=30,
                       disconnection_reason="user_hangup", recording_ref="file:x.wav"),
            CallRecord(call_id="c2", direction="inbound", started_at=T + 1, duration_seconds=40,
                       disconnection_reason="voicemail_reached"),
            CallRecord(call_id="c3", direction="inbound", started_at=T + 2, duration_seconds=0),
            CallRecord(call_id="c4", direction="inbound", started_at=T + 3, status="ongoing"),
        ],
    )  # fmt: skip
    filters = CallFilters(since=T)
    page = await service.list_calls(
        services.reader, services.cursors, account.id,
        limit=10, filters=filters, after=None, cursor_text=None, listed=True,
    )  # fmt: skip
    assert [(c["call_id"], c["outcome"], c["has_recording"]) for c in page["calls"]] == [
        ("c4", "ongoing", False),
        ("c3", "missed", False),
        ("c2", "missed", False),
        ("c1", "answered", True),
    ]
    assert page["filters"] == filters
    # The API's page is unchanged: the summary fields only.
    api_page = await service.list_calls(
        services.reader, services.cursors, account.id,
        limit=1, filters=filters, after=None, cursor_text=None,
    )  # fmt: skip
    assert "outcome" not in api_page["calls"][0]
    assert "filters" not in api_page
