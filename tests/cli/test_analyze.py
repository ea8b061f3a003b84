"""`calls import` analyses what it imports, and `humanadd analyze` runs the analysis again:
values given are never changed, ours fill the rest, and a second run changes nothing."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select, update

from humanadd.calls.models import Call
from humanadd.dependencies import Services
from humanadd.questions.models import CallQuestion, QuestionTopic
from tests.conftest import Cli, MakeAccount

STARTED = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
BOOKING = (
    "AI: Bright Smile Dental, how can I help?\n"
    "Caller: hi um I need a cleaning and do you take delta dental\n"
    "AI: We do. I can book you Tuesday at 10am.\n"
    "Caller: perfect\n"
    "AI: You're all set for Tuesday at 10am.\n"
    "Caller: wonderful, you have been so helpful, thank you"
)
ANNOYED = (
    "AI: Bright Smile Dental.\n"
    "Caller: hi I was wondering what your hours are on saturday\n"
    "AI: We are closed on Saturdays.\n"
    "Caller: that's ridiculous I've been trying to get in for weeks, forget it"
)


def _calls_file(tmp_path: Path, calls: list[dict[str, Any]]) -> Path:
    path = tmp_path / "calls.jsonl"
    path.write_text("".join(orjson.dumps(call).decode() + "\n" for call in calls))
    return path


def _call(call_id: str, transcript: str, **given: Any) -> dict[str, Any]:
    return {"call_id": call_id, "direction": "inbound", "started_at": STARTED,
            "duration_seconds": 60, "transcript": transcript, **given}  # fmt: skip


async def _state(services: Services, account_id: str) -> dict[str, Any]:
    """Everything the analysis stores for the account, comparable between runs."""
    async with services.sessions() as session:
        calls = (
            await session.execute(
                select(
                    Call.call_id, Call.sentiment, Call.summary, Call.tags, Call.booked,
                    Call.computed_fields, Call.analysis_due_at,
                ).where(Call.account_id == account_id).order_by(Call.call_id)
            )
        ).all()  # fmt: skip
        asked = (
            await session.execute(
                select(CallQuestion.text, CallQuestion.topic_id)
                .where(CallQuestion.account_id == account_id)
                .order_by(CallQuestion.text)
            )
        ).all()
        topics = (
            await session.execute(
                select(QuestionTopic.id, QuestionTopic.label, QuestionTopic.size,
                       QuestionTopic.merged_into)
                .where(QuestionTopic.account_id == account_id)
                .order_by(QuestionTopic.id)
            )
        ).all()  # fmt: skip
    return {"calls": calls, "questions": asked, "topics": topics}


async def test_an_import_fills_only_what_each_call_leaves_empty(
    cli: Cli, make_account: MakeAccount, services: Services, tmp_path: Path
) -> None:
    account = await make_account()
    given = {"sentiment": "negative", "summary": "Wanted a cleaning.", "tags": ["vip"],
             "booked": False}  # fmt: skip
    file = _calls_file(
        tmp_path, [_call("call_bare", BOOKING), _call("call_given", BOOKING, **given)]
    )

    result = await cli("calls", "import", str(file), "--account", account.id)
    assert result.exit_code == 0, result.output

    state = await _state(services, account.id)
    bare, full = state["calls"]
    assert bare.call_id == "call_bare"
    assert bare.sentiment == "positive"
    assert bare.booked is True
    assert "booking" in bare.tags
    assert "insurance" in bare.tags
    assert bare.summary
    assert len(bare.summary) <= 240
    assert bare.computed_fields == ["sentiment", "summary", "tags", "booked"]
    assert (full.sentiment, full.summary, full.tags, full.booked, full.computed_fields) == (
        "negative",
        "Wanted a cleaning.",
        ["vip"],
        False,
        [],
    )
    assert bare.analysis_due_at is None
    assert [text for text, _topic in state["questions"]] == [
        "do you take delta dental",
        "do you take delta dental",
    ]
    assert state["questions"][0].topic_id == state["questions"][1].topic_id


async def test_analyze_recompute_is_idempotent_and_never_changes_given_values(
    cli: Cli, make_account: MakeAccount, services: Services, tmp_path: Path
) -> None:
    account = await make_account()
    file = _calls_file(
        tmp_path,
        [_call(f"call_{n}", BOOKING if n % 2 else ANNOYED) for n in range(12)]
        + [_call("call_given", ANNOYED, sentiment="positive", tags=["vip"])],
    )
    assert (await cli("calls", "import", str(file), "--account", account.id)).exit_code == 0

    first = await cli("analyze", account.id, "--recompute", "--json")
    assert first.exit_code == 0, first.output
    after_first = await _state(services, account.id)
    second = await cli("analyze", account.id, "--recompute", "--json")
    assert second.exit_code == 0, second.output

    assert await _state(services, account.id) == after_first
    report = orjson.loads(second.stdout)
    assert report == {"account_id": account.id, "analysed": 13, "questions": 13, "topics": 2,
                      "database": report["database"]}  # fmt: skip
    given = next(call for call in after_first["calls"] if call.call_id == "call_given")
    assert (given.sentiment, given.tags) == ("positive", ["vip"])
    annoyed = next(call for call in after_first["calls"] if call.call_id == "call_0")
    assert (annoyed.sentiment, annoyed.booked) == ("negative", False)


async def test_analyze_does_the_calls_waiting_for_it_and_leaves_a_webhooks_call_to_the_worker(
    cli: Cli, make_account: MakeAccount, services: Services, tmp_path: Path
) -> None:
    account = await make_account()
    file = _calls_file(tmp_path, [_call("call_backlog", BOOKING), _call("call_owed", BOOKING)])
    assert (await cli("calls", "import", str(file), "--account", account.id)).exit_code == 0
    async with services.sessions.begin() as session:
        # As after an upgrade: stored before our analysis existed, queued by the migration.
        await session.execute(
            update(Call)
            .where(Call.account_id == account.id)
            .values(sentiment=None, summary=None, tags=[], computed_fields=[], analysis_due_at=0)
        )
        await session.execute(
            update(Call)
            .where(Call.account_id == account.id, Call.call_id == "call_owed")
            .values(notify_when_analysed=True)
        )

    result = await cli("analyze", account.id)

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"analysed 1 call(s) of {account.id}; its callers' 2 question(s) are in 1 topic(s)\n"
    )
    backlog, owed = (await _state(services, account.id))["calls"]
    assert (backlog.sentiment, backlog.analysis_due_at) == ("positive", None)
    assert (owed.sentiment, owed.analysis_due_at) == (None, 0)


async def test_analyze_refuses_an_unknown_account_and_a_bad_since(cli: Cli) -> None:
    unknown = await cli("analyze", "acc_nobody")
    assert unknown.exit_code == 1
    assert "acc_nobody" in unknown.stderr

    bad = await cli("analyze", "acc_nobody", "--since", "yesterday")
    assert bad.exit_code == 2
    assert "'yesterday' is not a duration such as 30m, 12h or 2d" in bad.stderr
