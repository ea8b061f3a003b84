"""Pushing knowledge-base versions to the provider: Retell (the fake, over real HTTP through the
official SDK), the simulated provider, and no provider; failures and their retries."""

import httpx
import pytest
from sqlalchemy import update

from humanadd.clock import now_ms
from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.kb import changes, push_state
from humanadd.kb import repository as kb_repository
from humanadd.kb import review as kb_review
from humanadd.kb.models import KnowledgeBase
from humanadd.providers import kb_push as push
from humanadd.providers import service as providers
from humanadd.providers.simulated.plugin import Acknowledged, Simulated
from tests.conftest import MakeAccount, TestAccount
from tests.kb.support import change, entries, queue, review
from tests.providers.conftest import provider_account
from tests.providers.retell_fake import AGENT_ID, FakeRetell

HOURS = "Our hours are 8am-6pm Monday to Friday."
PARKING = "Free parking is behind the building."
MOVED = "We moved to 9 Elm Road. Open every day from 7am to 9pm, with free parking."
LLM_ID = "llm_1f2e3d"


def kb_name(account: TestAccount) -> str:
    return f"humanadd {account.id}"


async def entry_ids(services: Services, account: TestAccount) -> list[str]:
    async with services.sessions() as session:
        return [entry.id for entry in (await changes.view(session, account.id)).entries]


async def leased(services: Services, account: TestAccount, at: int) -> int:
    """Lease the account's push as the worker's claim does, but for this account alone (the
    database is shared by the whole session); the lease."""
    lease = at + push.LEASE_MS
    async with services.sessions.begin() as session:
        await session.execute(
            update(KnowledgeBase)
            .where(KnowledgeBase.account_id == account.id)
            .values(push_lease_until=lease)
        )
    return lease


async def push_now(
    services: Services, settings: Settings, account: TestAccount, at: int | None = None
) -> bool:
    """What the worker does for the account: review its queue, then claim and push."""
    await review(services, account)
    at = at or now_ms()
    lease = await leased(services, account, at)
    return await push.push_one(services.sessions, settings, account.id, lease, lambda: at)


async def claimed(services: Services, at: int) -> list[str]:
    """The accounts a worker claims at `at` (other tests' too)."""
    return [account_id for account_id, _ in await push.claim(services.sessions, at, 1000)]


async def base(services: Services, account: TestAccount) -> KnowledgeBase:
    async with services.sessions() as session:
        found = await session.get(KnowledgeBase, account.id)
        assert found is not None
        return found


@pytest.fixture
async def with_llm(
    services: Services, retell_account: TestAccount, fake_retell: FakeRetell
) -> TestAccount:
    """The Retell account, its agent's LLM known to Retell and named on the account."""
    fake_retell.kb.add_llm(LLM_ID, ["knowledge_base_shared"])
    async with services.sessions.begin() as session:
        await providers.set_provider(
            session, retell_account.id, "retell", agent_ids=[AGENT_ID], llm_id=LLM_ID,
            actor="test",
        )  # fmt: skip
    return retell_account


async def test_the_first_push_creates_the_knowledge_base_and_attaches_it(
    services: Services, settings: Settings, with_llm: TestAccount, fake_retell: FakeRetell
) -> None:
    account = with_llm
    first = await queue(services, account, HOURS)
    second = await queue(services, account, PARKING)
    fake_retell.kb.processing_polls = 3

    assert await push_now(services, settings, account)

    ids = await entry_ids(services, account)
    assert fake_retell.kb.texts(kb_name(account)) == [(ids[0], HOURS), (ids[1], PARKING)]
    [made] = fake_retell.kb.named(kb_name(account))
    endpoints = [endpoint for endpoint, _ in fake_retell.kb.requests]
    assert endpoints == ["list", "create", "get", "get", "get", "get-llm", "update-llm"]
    assert fake_retell.kb.requests[1] == ("create", ids)
    assert fake_retell.kb.llms[LLM_ID]["knowledge_base_ids"] == [
        "knowledge_base_shared",
        made["knowledge_base_id"],
    ]
    for change_id in (first, second):
        pushed = await change(services, change_id)
        assert (pushed.status, pushed.error) == ("pushed", None)
        assert pushed.pushed_at is not None
    state = await base(services, account)
    assert (state.pushed_version, state.provider_kb_id) == (2, made["knowledge_base_id"])

    fake_retell.kb.requests.clear()
    await queue(services, account, "We take Apple Pay.")
    assert await push_now(services, settings, account)
    assert "update-llm" not in [endpoint for endpoint, _ in fake_retell.kb.requests], (
        "attached once"
    )


async def test_an_append_adds_only_the_new_text(
    services: Services, settings: Settings, retell_account: TestAccount, fake_retell: FakeRetell
) -> None:
    account = retell_account
    await queue(services, account, HOURS)
    assert await push_now(services, settings, account)
    fake_retell.kb.requests.clear()

    await queue(services, account, PARKING)
    assert await push_now(services, settings, account)

    ids = await entry_ids(services, account)
    assert fake_retell.kb.texts(kb_name(account)) == [(ids[0], HOURS), (ids[1], PARKING)]
    sent = [(endpoint, detail) for endpoint, detail in fake_retell.kb.requests if endpoint != "get"]
    assert sent == [("add-sources", [ids[1]])]
    assert "get-llm" not in dict(fake_retell.kb.requests), "no LLM on the account: not attached"


async def test_a_replace_deletes_the_old_texts_then_adds_the_new(
    services: Services, settings: Settings, retell_account: TestAccount, fake_retell: FakeRetell
) -> None:
    account = retell_account
    await queue(services, account, HOURS)
    await queue(services, account, PARKING)
    assert await push_now(services, settings, account)
    old_sources = [s["source_id"] for s in fake_retell.kb.named(kb_name(account))[0]["sources"]]
    fake_retell.kb.requests.clear()

    await queue(services, account, MOVED, replace=True)
    assert await push_now(services, settings, account)

    [new_id] = await entry_ids(services, account)
    assert fake_retell.kb.texts(kb_name(account)) == [(new_id, MOVED)]
    sent = [(endpoint, detail) for endpoint, detail in fake_retell.kb.requests if endpoint != "get"]
    assert sent == [
        ("delete-source", old_sources[0]),
        ("delete-source", old_sources[1]),
        ("add-sources", [new_id]),
    ]


async def test_a_rollback_is_pushed_like_any_change(
    services: Services, settings: Settings, retell_account: TestAccount, fake_retell: FakeRetell
) -> None:
    account = retell_account
    await queue(services, account, HOURS)
    await queue(services, account, PARKING)
    assert await push_now(services, settings, account)
    before = await entry_ids(services, account)
    await queue(services, account, MOVED, replace=True)
    assert await push_now(services, settings, account)

    async with services.sessions.begin() as session:
        rollback = await kb_review.rollback(session, account.id, 2, actor="test")
    assert await push_now(services, settings, account)

    assert fake_retell.kb.texts(kb_name(account)) == [(before[0], HOURS), (before[1], PARKING)]
    assert (await change(services, rollback.id)).status == "pushed"


async def test_a_failed_push_is_retried_with_backoff_until_it_succeeds(
    services: Services,
    settings: Settings,
    retell_account: TestAccount,
    fake_retell: FakeRetell,
    client: httpx.AsyncClient,
) -> None:
    account = retell_account
    queued = await queue(services, account, HOURS)
    fake_retell.kb.failures = [("create", 500), ("create", 503)]
    start = now_ms()

    assert not await push_now(services, settings, account, start)

    failed = await change(services, queued)
    assert (failed.status, failed.error) == ("push_failed", "Retell answered 500: create failed")
    state = await base(services, account)
    assert (state.push_attempts, state.next_push_at, state.push_lease_until) == (
        1, start + 2_000, None,
    )  # fmt: skip
    response = await client.get(f"/api/v1/kb/changes/{queued}", headers=account.headers)
    assert response.json()["change"]["error"] == "Retell answered 500: create failed"

    assert account.id not in await claimed(services, start + 1_999)
    assert account.id in await claimed(services, start + 2_000)
    assert not await push_now(services, settings, account, start + 2_000)
    assert (await base(services, account)).next_push_at == start + 2_000 + 5_000, "backs off"

    assert account.id in await claimed(services, start + 7_000)
    assert await push_now(services, settings, account, start + 7_000)
    pushed = await change(services, queued)
    assert (pushed.status, pushed.error) == ("pushed", None)
    assert fake_retell.kb.texts(kb_name(account)) == [
        ((await entry_ids(services, account))[0], HOURS)
    ]
    state = await base(services, account)
    assert state.push_attempts == 0


async def test_without_a_retell_api_key_the_push_fails_and_says_why(
    services: Services, settings: Settings, retell_account: TestAccount
) -> None:
    queued = await queue(services, retell_account, HOURS)
    keyless = settings.model_copy(update={"retell_api_key": None})

    assert not await push_now(services, keyless, retell_account)

    failed = await change(services, queued)
    assert (failed.status, failed.error) == (
        "push_failed",
        "HUMANADD_RETELL_API_KEY is not set: no Retell account to push to",
    )


async def test_a_push_makes_retell_hold_exactly_the_version(
    services: Services, settings: Settings, retell_account: TestAccount, fake_retell: FakeRetell
) -> None:
    """What an interrupted push leaves behind (a text twice, a stale one) is mended by the
    next; sources that are not text (added in Retell's dashboard) are left alone."""
    account = retell_account
    await queue(services, account, HOURS)
    assert await push_now(services, settings, account)
    [made] = fake_retell.kb.named(kb_name(account))
    [hours_id] = await entry_ids(services, account)
    made["sources"] += [
        {"type": "text", "source_id": "s_twice", "title": hours_id, "text": HOURS},
        {"type": "text", "source_id": "s_stale", "title": "kbe_stale", "text": "Old."},
        {"type": "url", "source_id": "s_url", "url": "https://example.com/faq"},
    ]

    await queue(services, account, PARKING)
    assert await push_now(services, settings, account)

    ids = await entry_ids(services, account)
    assert fake_retell.kb.texts(kb_name(account)) == [(ids[0], HOURS), (ids[1], PARKING)]
    assert [s["source_id"] for s in made["sources"] if s["type"] == "url"] == ["s_url"]


async def test_a_knowledge_base_deleted_in_retell_is_made_again(
    services: Services, settings: Settings, retell_account: TestAccount, fake_retell: FakeRetell
) -> None:
    account = retell_account
    await queue(services, account, HOURS)
    assert await push_now(services, settings, account)
    fake_retell.kb.bases.clear()

    await queue(services, account, PARKING)
    assert await push_now(services, settings, account)

    assert [text for _, text in fake_retell.kb.texts(kb_name(account))] == [HOURS, PARKING]
    [made] = fake_retell.kb.named(kb_name(account))
    assert (await base(services, account)).provider_kb_id == made["knowledge_base_id"]


async def test_a_simulated_account_acknowledges_the_push(
    services: Services,
    settings: Settings,
    make_account: MakeAccount,
    fake_retell: FakeRetell,
    client: httpx.AsyncClient,
) -> None:
    account = await provider_account(make_account, services, "simulated", "agent_sim_kb")
    queued = await queue(services, account, HOURS)

    assert await push_now(services, settings, account)

    assert (await change(services, queued)).status == "pushed"
    assert fake_retell.kb.requests == []
    async with services.sessions() as session:
        assert await changes.pushed_texts(session, account.id) == [HOURS]
    kb = (await client.get("/api/v1/kb", headers=account.headers)).json()["kb"]
    assert (kb["version"], kb["pushed"]) == (1, True)
    assert kb["pushed_at"] is not None


async def test_an_account_without_a_provider_keeps_its_version_unpushed(
    services: Services, settings: Settings, make_account: MakeAccount
) -> None:
    account = await make_account()
    queued = await queue(services, account, HOURS)
    await review(services, account)

    assert account.id not in await claimed(services, now_ms())
    lease = await leased(services, account, now_ms())
    assert not await push.push_one(services.sessions, settings, account.id, lease)
    assert (await change(services, queued)).status == "approved"
    assert await entries(services, account) == [HOURS]


async def test_a_new_version_is_pushed_at_once_despite_the_backoff(
    services: Services, settings: Settings, retell_account: TestAccount, fake_retell: FakeRetell
) -> None:
    account = retell_account
    first = await queue(services, account, HOURS)
    fake_retell.kb.failures = [("create", 500)]
    start = now_ms()
    assert not await push_now(services, settings, account, start)

    second = await queue(services, account, PARKING)
    await review(services, account)
    assert account.id in await claimed(services, start + 1), "not held back by the backoff"
    assert await push_now(services, settings, account, start + 1)

    assert [(await change(services, c)).status for c in (first, second)] == ["pushed", "pushed"]


async def test_a_push_is_claimed_by_one_worker_and_recorded_only_by_its_holder(
    services: Services, settings: Settings, retell_account: TestAccount, fake_retell: FakeRetell
) -> None:
    account = retell_account
    queued = await queue(services, account, HOURS)
    await review(services, account)
    now = now_ms()

    assert account.id in await claimed(services, now)
    assert account.id not in await claimed(services, now + 1), "leased to the first"
    assert account.id not in await claimed(services, now + push.LEASE_MS - 1)
    stale = await leased(services, account, now)
    taken_over = await leased(services, account, now + push.LEASE_MS)

    assert not await push.push_one(services.sessions, settings, account.id, stale)
    assert (await change(services, queued)).status == "approved", "a lost lease records nothing"
    assert fake_retell.kb.requests == []
    assert await push.push_one(services.sessions, settings, account.id, taken_over)
    assert (await change(services, queued)).status == "pushed"


async def test_a_lease_is_renewed_while_the_push_runs(
    services: Services, settings: Settings, retell_account: TestAccount, fake_retell: FakeRetell
) -> None:
    account = retell_account
    await queue(services, account, HOURS)
    await review(services, account)
    lease = await leased(services, account, now_ms())
    renewals = []

    async with services.sessions.begin() as session:
        renewals.append(await kb_repository.renew_push_lease(session, account.id, lease, lease + 5))
        renewals.append(await kb_repository.renew_push_lease(session, account.id, lease, lease + 9))

    assert renewals == [True, False], "only the current holder renews"
    assert (await base(services, account)).push_lease_until == lease + 5
    assert await push.push_one(services.sessions, settings, account.id, lease + 5)


async def test_a_knowledge_base_retell_failed_to_process_is_made_again(
    services: Services, settings: Settings, with_llm: TestAccount, fake_retell: FakeRetell
) -> None:
    account = with_llm
    queued = await queue(services, account, HOURS)
    fake_retell.kb.processing_fails = True
    assert not await push_now(services, settings, account)
    failed = await change(services, queued)
    assert (failed.status, failed.error) == (
        "push_failed",
        "Retell could not process the knowledge base (status error)",
    )
    [broken] = fake_retell.kb.named(kb_name(account))

    fake_retell.kb.processing_fails = False
    assert await push_now(services, settings, account)

    [made] = fake_retell.kb.named(kb_name(account))
    assert made["knowledge_base_id"] != broken["knowledge_base_id"]
    assert ("delete", broken["knowledge_base_id"]) in fake_retell.kb.requests
    assert fake_retell.kb.texts(kb_name(account)) == [
        ((await entry_ids(services, account))[0], HOURS)
    ]
    assert fake_retell.kb.llms[LLM_ID]["knowledge_base_ids"] == [
        "knowledge_base_shared", made["knowledge_base_id"],
    ]  # fmt: skip


async def test_an_unexpected_error_is_a_failed_push_too(
    services: Services,
    settings: Settings,
    retell_account: TestAccount,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken(Acknowledged):
        async def push(self, *_: object) -> str | None:
            raise RuntimeError("a bug")

    class BrokenProvider(Simulated):
        def knowledge(self, settings: Settings) -> Acknowledged:
            return Broken()

    monkeypatch.setattr(push, "provider_for", lambda *_: BrokenProvider())
    queued = await queue(services, retell_account, HOURS)

    assert not await push_now(services, settings, retell_account)

    failed = await change(services, queued)
    assert (failed.status, failed.error) == (
        "push_failed",
        "unexpected error (RuntimeError); the push will be retried",
    )
    assert (await base(services, retell_account)).push_lease_until is None


async def test_a_new_provider_or_llm_gets_the_current_version_at_once(
    services: Services,
    settings: Settings,
    make_account: MakeAccount,
    fake_retell: FakeRetell,
) -> None:
    account = await provider_account(make_account, services, "simulated", "agent_moving_kb")
    await queue(services, account, HOURS)
    assert await push_now(services, settings, account)

    async with services.sessions.begin() as session:
        await providers.set_provider(
            session, account.id, "retell", agent_ids=["agent_moving_kb"], actor="test"
        )
    assert account.id in await claimed(services, now_ms())
    assert await push_now(services, settings, account)
    assert [text for _, text in fake_retell.kb.texts(kb_name(account))] == [HOURS]

    fake_retell.kb.add_llm(LLM_ID)
    async with services.sessions.begin() as session:
        await providers.set_provider(
            session, account.id, "retell", agent_ids=["agent_moving_kb"], llm_id=LLM_ID,
            actor="test",
        )  # fmt: skip
    assert await push_now(services, settings, account)
    [made] = fake_retell.kb.named(kb_name(account))
    assert fake_retell.kb.llms[LLM_ID]["knowledge_base_ids"] == [made["knowledge_base_id"]]


async def test_removing_the_provider_leaves_no_change_pushing(
    services: Services, settings: Settings, retell_account: TestAccount
) -> None:
    queued = await queue(services, retell_account, HOURS)
    await review(services, retell_account)
    lease = await leased(services, retell_account, now_ms())
    async with services.sessions.begin() as session:
        assert await push_state.start_push(session, retell_account.id, lease) is not None
    assert (await change(services, queued)).status == "pushing"  # and then the worker dies

    async with services.sessions.begin() as session:
        await providers.set_provider(session, retell_account.id, None, agent_ids=[], actor="t")

    assert (await change(services, queued)).status == "approved"
    assert (await base(services, retell_account)).push_lease_until is None
