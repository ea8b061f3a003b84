"""`humanadd kb …` and `accounts set-kb-policy` as an operator sees them: the queue, a change,
the versions, and what is refused."""

import orjson

from humanadd.dependencies import Services
from tests.conftest import Cli, MakeAccount
from tests.kb.support import queue, review

SECRET = "Alarm passcode is 7719"
HOURS = "Our hours are 8am-6pm Monday to Friday."


async def test_pending_lists_held_changes_with_their_findings(
    cli: Cli, services: Services, make_account: MakeAccount
) -> None:
    account, other = await make_account(), await make_account("Other Salon")
    held = await queue(services, account, SECRET)
    await review(services, account)
    await cli("accounts", "set-kb-policy", other.id, "manual")
    manual = await queue(services, other, HOURS)
    await review(services, other)

    listed = await cli("kb", "pending", "--account", account.id, "--json")
    text = await cli("kb", "pending", "--account", other.id)

    assert listed.exit_code == 0, listed.stderr
    [shown] = orjson.loads(listed.stdout)
    assert shown == {
        "change_id": held,
        "account_id": account.id,
        "status": "held",
        "replace": False,
        "rollback_to": None,
        "findings": ["secret"],
        "text": SECRET,
        "submitted_by": "api",
        "created_at": shown["created_at"],
        "decided_by": None,
        "decided_at": None,
        "version": None,
        "pushed_at": None,
        "error": None,
    }
    header, row = text.stdout.splitlines()
    assert header.split() == [
        "CHANGE",
        "ACCOUNT",
        "WHAT",
        "FINDINGS",
        "CHARACTERS",
        "CREATED",
        "AT",
    ]
    assert row.split()[:6] == [manual, other.id, "append", "none", "(manual", "policy)"]
    everyone = orjson.loads((await cli("kb", "pending", "--json")).stdout)
    assert {held, manual} <= {change["change_id"] for change in everyone}


async def test_nothing_pending(cli: Cli, make_account: MakeAccount) -> None:
    account = await make_account()
    result = await cli("kb", "pending", "--account", account.id)
    assert (result.exit_code, result.stdout) == (0, "no changes are waiting for review\n")


async def test_show_prints_the_text_and_the_findings(
    cli: Cli, services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    held = await queue(services, account, f"{SECRET}\nCard 4242424242424242")
    await review(services, account)

    result = await cli("kb", "show", held)

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"change_id:    {held}" in lines
    assert "status:       held" in lines
    assert "findings:     card_number, secret" in lines
    assert "what:         append" in lines
    assert lines[-3:] == ["text:", f"  {SECRET}", "  Card 4242424242424242"]


async def test_versions_lists_what_made_each(
    cli: Cli, services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    empty = await cli("kb", "versions", account.id)
    assert empty.stdout == f"{account.id} has no knowledge-base version yet\n"
    first = await queue(services, account, HOURS)
    await review(services, account)
    await cli("kb", "rollback", account.id, "--to", "1")

    result = await cli("kb", "versions", account.id, "--json")

    newest, oldest = orjson.loads(result.stdout)
    assert oldest == {
        "version": 1,
        "kind": "append",
        "change_id": first,
        "entries": 1,
        "characters": len(HOURS),
        "created_by": "auto",
        "created_at": oldest["created_at"],
    }
    assert (newest["version"], newest["kind"], newest["created_by"]) == (2, "rollback", "cli")
    table = (await cli("kb", "versions", account.id)).stdout.splitlines()
    assert table[0].split() == ["VERSION", "KIND", "CHANGE", "ENTRIES", "CHARACTERS", "BY",
                                "CREATED", "AT"]  # fmt: skip
    assert table[2].split()[:3] == ["1", "append", first]


async def test_refusals_change_nothing(
    cli: Cli, services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    held = await queue(services, account, SECRET)
    await review(services, account)

    blank_reason = await cli("kb", "reject", held, "--reason", "  ")
    bad_policy = await cli("accounts", "set-kb-policy", account.id, "sometimes")
    unknown_account = await cli("kb", "versions", "acc_00000000000000000000")

    assert blank_reason.stderr == "error: a rejection needs a reason (the customer sees it)\n"
    assert bad_policy.stderr == "error: unknown policy 'sometimes' (choose auto or manual)\n"
    assert unknown_account.exit_code == 1
    assert "acc_00000000000000000000" in unknown_account.stderr
    listed = orjson.loads((await cli("kb", "pending", "--account", account.id, "--json")).stdout)
    assert [change["status"] for change in listed] == ["held"]


async def test_every_kb_command_explains_itself(cli: Cli) -> None:
    for command in ("pending", "show", "approve", "reject", "rollback", "versions"):
        result = await cli("kb", command, "--help")
        assert result.exit_code == 0
        assert "Usage: humanadd kb" in result.stdout
    policy = await cli("accounts", "set-kb-policy", "--help")
    assert "manual" in policy.stdout
