"""Sync: the provider's list of calls against ours, repairing what lost webhooks missed."""

import asyncio
import os
import sys
import time
from typing import Any

import httpx
import orjson
import pytest

from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.providers import sync
from humanadd.providers.retell import client as retell_client
from humanadd.providers.retell.client import RetellClient
from humanadd.providers.sync import SyncReport, sync_account
from tests.conftest import Cli, TestAccount
from tests.providers.retell_fake import (
    RETELL_API_KEY,
    FakeRetell,
    deliver,
    ended_only,
    retell_call,
    started_only,
)

HOUR_MS = 3600 * 1000


def now_ms() -> int:
    return round(time.time() * 1000)


def recent_call(call_id: str, hours_ago: float = 1.0, **overrides: Any) -> dict[str, Any]:
    started = now_ms() - int(hours_ago * HOUR_MS)
    return retell_call(
        call_id,
        start_timestamp=started,
        end_timestamp=started + 154_000,
        **overrides,
    )


async def shown(client: httpx.AsyncClient, account: TestAccount, call_id: str) -> httpx.Response:
    return await client.get(f"/api/v1/calls/{call_id}", headers=account.headers)


async def run_sync(
    services: Services, fake: FakeRetell, account: TestAccount, since_hours: float = 48
) -> SyncReport:
    upstream = RetellClient(RETELL_API_KEY, fake.base_url)
    try:
        now = now_ms()
        return await sync_account(
            services.sessions,
            upstream,
            account.id,
            since_ms=now - int(since_hours * HOUR_MS),
            now_ms=now,
            analysis_timeout_ms=services.settings.analysis_timeout_ms,
        )
    finally:
        await upstream.close()


async def test_sync_stores_a_call_whose_webhooks_were_lost(
    client: httpx.AsyncClient,
    services: Services,
    fake_retell: FakeRetell,
    retell_account: TestAccount,
) -> None:
    delivered = recent_call("call_delivered")
    lost = recent_call("call_lost", hours_ago=2)
    fake_retell.add_call(delivered)
    fake_retell.add_call(lost)
    await deliver(client, "call_analyzed", delivered)
    assert (await shown(client, retell_account, "call_lost")).status_code == 404

    report = await run_sync(services, fake_retell, retell_account)

    assert report == SyncReport(listed=2, fetched=1, stored=1, settled=0)
    assert fake_retell.requests == ["list-calls", "get-call"]
    repaired = (await shown(client, retell_account, "call_lost")).json()["call"]
    assert repaired["transcript"].startswith("AI: Thanks for calling Acme HVAC.")
    assert (repaired["status"], repaired["sentiment"], repaired["booked"]) == (
        "ended",
        "positive",
        True,
    )

    again = await run_sync(services, fake_retell, retell_account)
    assert again == SyncReport(listed=2, fetched=0, stored=0, settled=0)


async def test_sync_completes_a_call_held_at_an_earlier_stage(
    client: httpx.AsyncClient,
    services: Services,
    fake_retell: FakeRetell,
    retell_account: TestAccount,
) -> None:
    call = recent_call("call_stale")
    fake_retell.add_call(call)
    await deliver(client, "call_ended", ended_only(call))  # call_analyzed was lost
    assert (await shown(client, retell_account, "call_stale")).json()["call"]["sentiment"] is None

    report = await run_sync(services, fake_retell, retell_account)

    assert (report.fetched, report.stored) == (1, 1)
    assert (await shown(client, retell_account, "call_stale")).json()["call"]["sentiment"] == (
        "positive"
    )


async def test_calls_stuck_ongoing_for_an_hour_are_settled(
    client: httpx.AsyncClient,
    services: Services,
    fake_retell: FakeRetell,
    retell_account: TestAccount,
) -> None:
    finished = recent_call("call_finished", hours_ago=80)  # older than the sync window
    fake_retell.add_call(finished)
    await deliver(client, "call_started", started_only(finished))
    vanished = recent_call("call_vanished", hours_ago=2)
    await deliver(client, "call_started", started_only(vanished))
    young = recent_call("call_young", hours_ago=0.5)
    fake_retell.add_call(started_only(young))
    await deliver(client, "call_started", started_only(young))

    report = await run_sync(services, fake_retell, retell_account)

    assert report.settled == 2
    assert report.missing_upstream == ["call_vanished"]
    statuses = {
        call_id: (await shown(client, retell_account, call_id)).json()["call"]["status"]
        for call_id in ("call_finished", "call_vanished", "call_young")
    }
    assert statuses == {"call_finished": "ended", "call_vanished": "error", "call_young": "ongoing"}


async def test_sync_pages_through_the_whole_list(
    client: httpx.AsyncClient,
    services: Services,
    fake_retell: FakeRetell,
    retell_account: TestAccount,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(retell_client, "PAGE_SIZE", 2)
    monkeypatch.setattr(sync, "BATCH", 2)  # compared with ours two at a time, across pages
    for number in range(5):
        fake_retell.add_call(recent_call(f"call_page_{number}", hours_ago=1 + number))
    fake_retell.add_call(recent_call("call_other_agent", agent_id="agent_someone_else"))

    report = await run_sync(services, fake_retell, retell_account)

    assert (report.listed, report.stored) == (5, 5)
    assert fake_retell.requests.count("list-calls") == 3
    page = await client.get("/api/v1/calls", headers=retell_account.headers)
    assert sorted(item["call_id"] for item in page.json()["calls"]) == [
        f"call_page_{number}" for number in range(5)
    ]


async def test_sync_cli_reports_what_it_did(
    cli: Cli,
    fake_retell: FakeRetell,
    retell_account: TestAccount,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUMANADD_RETELL_API_KEY", RETELL_API_KEY)
    monkeypatch.setenv("HUMANADD_RETELL_BASE_URL", fake_retell.base_url)
    fake_retell.add_call(recent_call("call_cli", hours_ago=30))
    fake_retell.add_call(recent_call("call_too_old", hours_ago=60))

    text = await cli("sync", retell_account.id, "--since", "2d")
    assert text.exit_code == 0, text.stderr
    assert text.stdout == (
        f"{retell_account.id}: 1 calls listed, 1 fetched, 1 stored, 0 stuck calls settled\n"
    )

    result = await cli("sync", retell_account.id, "--since", "3d", "--json")
    assert result.exit_code == 0, result.stderr
    assert orjson.loads(result.stdout) == {
        "account_id": retell_account.id,
        "listed": 2,
        "fetched": 1,
        "stored": 1,
        "settled": 0,
        "missing_upstream": [],
    }


@pytest.mark.parametrize(
    ("arguments", "setup", "problem"),
    [
        (["--since", "2 days"], None, "'2 days' is not a duration such as 30m, 12h or 2d"),
        ([], "fail", "the provider's API failed"),
        ([], "no-key", "HUMANADD_RETELL_API_KEY is not set."),
    ],
)
async def test_sync_cli_failures_are_one_line_and_store_nothing(
    cli: Cli,
    client: httpx.AsyncClient,
    fake_retell: FakeRetell,
    retell_account: TestAccount,
    monkeypatch: pytest.MonkeyPatch,
    arguments: list[str],
    setup: str | None,
    problem: str,
) -> None:
    monkeypatch.setenv("HUMANADD_RETELL_BASE_URL", fake_retell.base_url)
    if setup != "no-key":
        monkeypatch.setenv("HUMANADD_RETELL_API_KEY", RETELL_API_KEY)
    if setup == "fail":
        fake_retell.fail_with = 500
    fake_retell.add_call(recent_call("call_unsynced"))

    result = await cli("sync", retell_account.id, *arguments)

    assert result.exit_code != 0
    assert problem in result.stderr
    assert (await shown(client, retell_account, "call_unsynced")).status_code == 404


async def test_the_worker_syncs_every_retell_account(
    client: httpx.AsyncClient,
    settings: Settings,
    fake_retell: FakeRetell,
    retell_account: TestAccount,
) -> None:
    fake_retell.add_call(recent_call("call_for_the_worker"))
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith("HUMANADD_")},
        "HUMANADD_DATABASE_URL": settings.database_url,
        "HUMANADD_RETELL_API_KEY": RETELL_API_KEY,
        "HUMANADD_RETELL_BASE_URL": fake_retell.base_url,
    }

    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "humanadd", "worker", "--once",
        env=environment, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(worker.communicate(), timeout=60)

    assert worker.returncode == 0, stderr.decode()
    lines = [orjson.loads(line) for line in stderr.splitlines()]
    synced = [line for line in lines if line["message"] == "synced"]
    assert {"account_id": retell_account.id, "listed": 1, "stored": 1}.items() <= next(
        line for line in synced if line["account_id"] == retell_account.id
    ).items()
    assert (await shown(client, retell_account, "call_for_the_worker")).status_code == 200
