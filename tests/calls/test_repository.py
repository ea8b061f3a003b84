"""Upserting calls: what a second write of the same call keeps and replaces."""

from sqlalchemy import select

from humanadd.calls import service as calls
from humanadd.calls.models import Call, CallTag
from humanadd.calls.records import CallRecord
from humanadd.dependencies import Services
from tests.conftest import AddCalls, MakeAccount


async def _stored(services: Services, account_id: str, call_id: str) -> tuple[Call, list[str]]:
    async with services.sessions() as session:
        call = (
            await session.execute(
                select(Call).where(Call.account_id == account_id, Call.call_id == call_id)
            )
        ).scalar_one()
        tags = (
            await session.execute(select(CallTag.tag).where(CallTag.call_pk == call.id))
        ).scalars()
        return call, sorted(tags)


async def test_an_update_without_a_recording_keeps_the_known_one_and_replaces_the_rest(
    make_account: MakeAccount, add_calls: AddCalls, services: Services
) -> None:
    account = await make_account()
    first = CallRecord(
        call_id="call_1",
        direction="inbound",
        started_at=1_700_000_000_000,
        sentiment="positive",
        tags=["booking", "pricing"],
        recording_ref="file:demo/one.wav",
    )
    await add_calls(account, [first])

    await add_calls(
        account,
        [
            CallRecord(
                call_id="call_1", direction="inbound", started_at=1_700_000_000_000, tags=["hours"]
            )
        ],
    )

    call, tags = await _stored(services, account.id, "call_1")
    assert call.recording_ref == "file:demo/one.wav"
    assert call.sentiment is None
    assert call.tags == ["hours"]
    assert tags == ["hours"]


async def test_call_counts_are_per_account_with_zero_for_an_account_without_calls(
    services: Services, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    busy = await make_account()
    quiet = await make_account()
    other = await make_account()
    records = [
        CallRecord(call_id=f"count_{n}", direction="inbound", started_at=1_700_000_000_000 + n)
        for n in range(3)
    ]
    await add_calls(busy, records)
    await add_calls(other, records[:1])

    async with services.sessions() as session:
        counts = await calls.call_counts(session, [busy.id, quiet.id])
        none = await calls.call_counts(session, [])

    assert counts == {busy.id: 3, quiet.id: 0}
    assert none == {}
