"""Real `humanadd worker` processes pushing knowledge bases to the fake Retell: a change posted
to the API reaches Retell well within a minute, and a worker killed in the middle of a push
loses nothing: the next worker finishes it, and Retell ends with exactly the approved content."""

import asyncio
import signal
import time
from pathlib import Path

import httpx
import pytest

from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.kb.models import KnowledgeBase
from humanadd.providers import kb_push as push
from tests.conftest import TestAccount
from tests.kb.support import assert_queued, change, post_kb
from tests.providers.retell_fake import FakeRetell
from tests.providers.test_kb_push import HOURS, MOVED, PARKING, entry_ids, kb_name
from tests.servers import start_worker, stop_worker

pytestmark = pytest.mark.slow

TARGET_SECONDS = 60
LEASE_SECONDS = push.LEASE_MS / 1000


async def until_pushed(services: Services, change_id: str, seconds: float) -> float:
    """Seconds until the change is pushed; fails after `seconds`."""
    started = time.monotonic()
    while (await change(services, change_id)).status != "pushed":
        assert time.monotonic() - started < seconds, (await change(services, change_id)).status
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def test_a_change_posted_to_the_api_reaches_retell_within_a_minute(
    services: Services,
    settings: Settings,
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    fake_retell: FakeRetell,
    tmp_path: Path,
) -> None:
    fake_retell.kb.processing_polls = 3
    worker = await start_worker(settings, tmp_path / "worker.log")
    try:
        change_id = assert_queued(await post_kb(client, retell_account, {"text": HOURS}))
        seconds = await until_pushed(services, change_id, TARGET_SECONDS)
    finally:
        await stop_worker(worker)

    assert seconds < TARGET_SECONDS
    [entry] = await entry_ids(services, retell_account)
    assert fake_retell.kb.texts(kb_name(retell_account)) == [(entry, HOURS)]
    kb = (await client.get("/api/v1/kb", headers=retell_account.headers)).json()["kb"]
    assert (kb["version"], kb["pushed"]) == (1, True)


async def test_a_worker_killed_mid_push_loses_nothing(
    services: Services,
    settings: Settings,
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    fake_retell: FakeRetell,
    tmp_path: Path,
) -> None:
    account = retell_account
    first = await start_worker(settings, tmp_path / "first.log")
    try:
        assert_queued(await post_kb(client, account, {"text": HOURS}))
        pushed = assert_queued(await post_kb(client, account, {"text": PARKING}))
        await until_pushed(services, pushed, TARGET_SECONDS)

        # The replace deletes the two old texts, then adds the new one: the worker dies while
        # Retell is deleting the first.
        fake_retell.kb.hang_on = "delete-source"
        replacing = assert_queued(await post_kb(client, account, {"text": MOVED, "replace": True}))
        assert await asyncio.to_thread(fake_retell.kb.arrived.wait, TARGET_SECONDS)
        first.send_signal(signal.SIGKILL)
        await first.wait()
    finally:
        await stop_worker(first)
    fake_retell.kb.hang_on = None  # the delete Retell was working on completes
    await asyncio.sleep(0.2)
    assert (await change(services, replacing)).status == "pushing"
    assert len(fake_retell.kb.texts(kb_name(account))) == 1, "half done: one old text left"

    # The dead worker's lease runs out within a minute; then the next worker takes the push.
    async with services.sessions() as session:
        held = await session.get(KnowledgeBase, account.id)
        assert held is not None
        assert held.push_lease_until is not None
        lease_until = held.push_lease_until
    second = await start_worker(settings, tmp_path / "second.log")
    try:
        await until_pushed(services, replacing, LEASE_SECONDS + TARGET_SECONDS)
    finally:
        await stop_worker(second)
    pushed_at = (await change(services, replacing)).pushed_at
    assert pushed_at is not None
    assert pushed_at.timestamp() * 1000 >= lease_until, "not before the lease ran out"

    [moved] = await entry_ids(services, account)
    assert fake_retell.kb.texts(kb_name(account)) == [(moved, MOVED)]
    assert len(fake_retell.kb.named(kb_name(account))) == 1
