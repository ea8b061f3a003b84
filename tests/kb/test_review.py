"""Review and versions: the checks hold or approve each queued change, approved changes make
versions in submission order, operators decide held changes and roll back, and every decision
is in the audit log."""

import asyncio

from sqlalchemy import select

from humanadd.dependencies import Services
from humanadd.kb import repository
from humanadd.kb.models import KbChange, KbVersion
from tests.conftest import Cli, MakeAccount
from tests.kb.support import audit_rows, change, entries, queue, review, statuses

HOURS = "Our hours are 8am-6pm Monday to Friday."
PARKING = "Free parking is behind the building."
SECRET = "The back office password: Tulip2026"


async def versions(services: Services, account_id: str) -> list[KbVersion]:
    async with services.sessions() as session:
        statement = (
            select(KbVersion).where(KbVersion.account_id == account_id).order_by(KbVersion.number)
        )
        return list((await session.execute(statement)).scalars())


async def test_appended_changes_make_versions_in_order(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    first = await queue(services, account, HOURS)
    second = await queue(services, account, PARKING)
    assert await statuses(services, first, second) == ["pending_review", "pending_review"]

    await review(services, account)

    assert await statuses(services, first, second) == ["approved", "approved"]
    assert await entries(services, account) == [HOURS, PARKING]
    made = await versions(services, account.id)
    assert [(v.number, v.kind, v.change_id, v.created_by) for v in made] == [
        (1, "append", first, "auto"),
        (2, "append", second, "auto"),
    ]
    assert made[0].entry_ids == made[1].entry_ids[:1]
    assert made[1].characters == len(HOURS) + len(PARKING)
    applied = await change(services, second)
    assert (applied.version, applied.decided_by, applied.findings) == (2, "auto", [])
    assert applied.decided_at is not None
    assert await audit_rows(services, account) == [
        ("kb.change_approved", "auto", {"change_id": first}),
        ("kb.change_approved", "auto", {"change_id": second}),
    ]


async def test_a_replace_makes_a_version_holding_only_its_text(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    await queue(services, account, HOURS)
    await queue(services, account, PARKING)
    replacement = "We moved: 9 Elm Road. Open 7 days, 7am to 9pm, with free parking."
    replacing = await queue(services, account, replacement, replace=True)

    await review(services, account)

    assert await entries(services, account) == [replacement]
    [*_, last] = await versions(services, account.id)
    assert (last.number, last.kind, last.change_id) == (3, "replace", replacing)
    assert last.characters == len(replacement)


async def test_a_rollback_makes_a_new_version_equal_to_an_old_one(
    cli: Cli, services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    await queue(services, account, HOURS)
    await queue(services, account, PARKING)
    await queue(services, account, "Closed for renovation until March; call 555-0100.", True)
    await review(services, account)
    before = await versions(services, account.id)

    result = await cli("kb", "rollback", account.id, "--to", "2", "--json")

    assert result.exit_code == 0, result.stderr
    assert await entries(services, account) == [HOURS, PARKING]
    made = await versions(services, account.id)
    assert [(v.number, v.kind) for v in made] == [
        (1, "append"), (2, "append"), (3, "replace"), (4, "rollback"),
    ]  # fmt: skip
    assert made[3].entry_ids == before[1].entry_ids, "the very same entries come back"
    assert [(v.number, v.entry_ids) for v in made[:3]] == [
        (v.number, v.entry_ids) for v in before
    ], "nothing is deleted or changed"
    rollback = await change(services, made[3].change_id)
    assert (rollback.status, rollback.rollback_to, rollback.replace, rollback.text) == (
        "approved", 2, True, None,
    )  # fmt: skip
    assert (rollback.submitted_by, rollback.decided_by, made[3].created_by) == ("cli", "cli", "cli")
    assert ("kb.rollback", "cli", {"change_id": rollback.id, "to_version": 2}) in (
        await audit_rows(services, account)
    )


async def test_a_rollback_to_a_version_that_does_not_exist_changes_nothing(
    cli: Cli, services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    await queue(services, account, HOURS)
    await review(services, account)

    for version in ("2", "0", "-1"):
        result = await cli("kb", "rollback", account.id, "--to", version)
        assert result.exit_code == 1
        assert (
            result.stderr
            == f"error: account {account.id} has no knowledge-base version {version}\n"
        )

    assert len(await versions(services, account.id)) == 1
    assert [row[0] for row in await audit_rows(services, account)] == ["kb.change_approved"]


async def test_a_change_with_findings_is_held_with_them(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    kept = await queue(services, account, HOURS)
    duplicate = await queue(services, account, HOURS)
    await review(services, account)

    assert await statuses(services, kept, duplicate) == ["approved", "held"]
    held = await change(services, duplicate)
    assert (held.findings, held.version, held.decided_at, held.decided_by) == (
        ["duplicate"], None, None, None,
    )  # fmt: skip
    assert len(await versions(services, account.id)) == 1
    assert (await audit_rows(services, account))[-1] == (
        "kb.change_held",
        "auto",
        {"change_id": duplicate, "findings": ["duplicate"], "policy": "auto"},
    )


async def test_every_finding_holds_a_change(services: Services, make_account: MakeAccount) -> None:
    samples = {
        "card_number": "Deposit card: 4111 1111 1111 1111",
        "secret": SECRET,
        "large_shrink": "Closed.",
    }
    for finding, text in samples.items():
        account = await make_account()
        await queue(services, account, HOURS + " " + PARKING)
        held = await queue(services, account, text, replace=finding == "large_shrink")
        await review(services, account)
        assert (await change(services, held)).findings == [finding]
        assert await statuses(services, held) == ["held"]


async def test_the_manual_policy_holds_every_change(
    cli: Cli, services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    result = await cli("accounts", "set-kb-policy", account.id, "manual")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{account.id}: knowledge-base policy auto → manual\n"
    clean = await queue(services, account, HOURS)

    await review(services, account)

    assert await statuses(services, clean) == ["held"]
    assert (await change(services, clean)).findings == []
    assert await entries(services, account) == []


async def test_a_held_change_keeps_later_ones_waiting_until_approved(
    cli: Cli, services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    first = await queue(services, account, HOURS)
    held = await queue(services, account, SECRET)
    later = await queue(services, account, PARKING)
    await review(services, account)
    assert await statuses(services, first, held, later) == ["approved", "held", "pending_review"]
    await review(services, account)
    assert await statuses(services, later) == ["pending_review"], "still behind the held one"

    result = await cli("kb", "approve", held, "--json")

    assert result.exit_code == 0, result.stderr
    assert await statuses(services, first, held, later) == ["approved", "approved", "approved"]
    assert await entries(services, account) == [HOURS, SECRET, PARKING]
    assert [(await change(services, c)).version for c in (first, held, later)] == [1, 2, 3]
    assert (await change(services, held)).decided_by == "cli"
    assert [row[:2] for row in await audit_rows(services, account)] == [
        ("kb.change_approved", "auto"),
        ("kb.change_held", "auto"),
        ("kb.change_approved", "cli"),
        ("kb.change_approved", "auto"),
    ]


async def test_a_rejected_change_never_applies_and_later_ones_go_on(
    cli: Cli, services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    held = await queue(services, account, SECRET)
    later = await queue(services, account, PARKING)
    await review(services, account)

    result = await cli("kb", "reject", held, "--reason", "Remove the password and resend.")

    assert result.exit_code == 0, result.stderr
    assert "status:       rejected" in result.stdout
    assert await statuses(services, held, later) == ["rejected", "approved"]
    rejected = await change(services, held)
    assert (rejected.error, rejected.decided_by, rejected.version) == (
        "Remove the password and resend.", "cli", None,
    )  # fmt: skip
    assert await entries(services, account) == [PARKING]
    decision = ("kb.change_rejected", "cli", {"change_id": held, "reason": rejected.error})
    assert decision in await audit_rows(services, account)


async def test_a_rollback_waits_behind_a_held_change(
    cli: Cli, services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    await queue(services, account, HOURS)
    await review(services, account)
    held = await queue(services, account, SECRET)
    await review(services, account)

    result = await cli("kb", "rollback", account.id, "--to", "1", "--json")
    assert result.exit_code == 0, result.stderr
    assert len(await versions(services, account.id)) == 1, "not before the held change"

    await cli("kb", "reject", held, "--reason", "no secrets")
    made = await versions(services, account.id)
    assert [(v.number, v.kind) for v in made] == [(1, "append"), (2, "rollback")]


async def test_only_a_held_change_can_be_decided(
    cli: Cli, services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    approved = await queue(services, account, HOURS)
    await review(services, account)

    for command in (["approve", approved], ["reject", approved, "--reason", "no"]):
        result = await cli("kb", *command)
        assert result.exit_code == 1
        assert result.stderr == (
            f"error: change {approved} is approved: only a held change can be decided\n"
        )
    unknown = await cli("kb", "approve", "kbc_00000000000000000000")
    assert unknown.stderr == "error: no knowledge-base change kbc_00000000000000000000\n"
    assert await statuses(services, approved) == ["approved"]


async def test_concurrent_reviews_make_each_version_once(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    queued = [await queue(services, account, f"Fact number {n}.") for n in range(12)]

    await asyncio.gather(*(review(services, account) for _ in range(4)))

    made = await versions(services, account.id)
    assert [v.number for v in made] == list(range(1, 13))
    assert [v.change_id for v in made] == queued
    async with services.sessions() as session:
        rows = await session.execute(select(KbChange.version).where(KbChange.id.in_(queued)))
        assert sorted(version for (version,) in rows) == list(range(1, 13))


async def test_the_worker_skips_accounts_waiting_for_an_operator(
    services: Services, make_account: MakeAccount
) -> None:
    waiting, ready = await make_account(), await make_account("Ready Dental")
    await queue(services, waiting, SECRET)
    await review(services, waiting)
    await queue(services, waiting, PARKING)
    await queue(services, ready, HOURS)

    async with services.sessions() as session:
        due = await repository.accounts_to_review(session)

    assert ready.id in due
    assert waiting.id not in due, "its next change waits behind a held one"
