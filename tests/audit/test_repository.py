"""Audit rows: written only with the transaction that caused them."""

from sqlalchemy import select

from humanadd.audit import repository, service
from humanadd.audit.models import AuditEvent
from humanadd.dependencies import Services
from tests.conftest import MakeAccount


async def _events(services: Services, account_id: str, action: str) -> list[AuditEvent]:
    async with services.sessions() as session:
        statement = (
            select(AuditEvent)
            .where(AuditEvent.account_id == account_id, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
        return list((await session.execute(statement)).scalars())


async def test_an_audit_row_is_kept_only_when_the_callers_transaction_commits(
    make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()
    async with services.sessions() as session:
        service.record(session, "test.rolled_back", account_id=account.id, actor="test", n=1)
        await session.flush()
        await session.rollback()
    async with services.sessions.begin() as session:
        service.record(session, "test.committed", account_id=account.id, actor="test", n=2)

    assert await _events(services, account.id, "test.rolled_back") == []
    [event] = await _events(services, account.id, "test.committed")
    assert (event.actor, event.details) == ("test", {"n": 2})


async def test_the_repository_adds_the_row_to_the_session(
    make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()
    async with services.sessions.begin() as session:
        event = repository.add_event(
            session, "test.added", account_id=account.id, actor="test", details={"x": "y"}
        )
        await session.flush()
        assert event.id is not None

    [stored] = await _events(services, account.id, "test.added")
    assert (stored.id, stored.details) == (event.id, {"x": "y"})


async def test_a_page_of_the_log_is_newest_first_of_one_account_or_all(
    make_account: MakeAccount, services: Services
) -> None:
    mine = await make_account()
    theirs = await make_account()
    async with services.sessions.begin() as session:
        for n in range(5):
            service.record(session, "test.paged", account_id=mine.id, actor="test", n=n)
            service.record(session, "test.paged", account_id=theirs.id, actor="test", n=n)

    async with services.sessions() as session:
        first = await service.page(session, account_id=mine.id, before_id=None, limit=3)
        rest = await service.page(session, account_id=mine.id, before_id=first.next_before, limit=3)
        everyone = await service.page(session, account_id=None, before_id=None, limit=4)

    assert [e.details["n"] for e in first.events] == [4, 3, 2]
    assert first.next_before == first.events[-1].id
    paged = [e for e in rest.events if e.action == "test.paged"]
    assert [e.details["n"] for e in paged] == [1, 0]
    assert {e.account_id for e in rest.events} == {mine.id}
    assert [(e.account_id, e.details["n"]) for e in everyone.events] == [
        (theirs.id, 4), (mine.id, 4), (theirs.id, 3), (mine.id, 3)
    ]  # fmt: skip
    assert everyone.next_before == everyone.events[-1].id
