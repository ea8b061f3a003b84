"""Topics on the dashboard over ASGI: the Overview's top questions lead to the Calls page
filtered by their topic, which names it and can clear it; a call's page lists its questions
with their topics (a merged one answering as its survivor), escaped, for its account only."""

import re
from collections.abc import Awaitable, Callable, Iterator
from html import unescape

import pytest
from fastapi import FastAPI

from humanadd.calls.records import CallRecord
from humanadd.dependencies import Services
from humanadd.stats.endpoints import request_time_ms
from tests.conftest import AddCalls, MakeAccount, TestAccount
from tests.dashboard.conftest import Dashboard, MakeUser
from tests.stats.builders import at
from tests.topics import ask, merge, new_topic

NOW = at("2026-11-15T12:00:00Z")
OpenDashboard = Callable[..., Awaitable[Dashboard]]
XSS = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def pinned_now(app: FastAPI) -> Iterator[None]:
    app.dependency_overrides[request_time_ms] = lambda: NOW
    yield
    app.dependency_overrides.pop(request_time_ms, None)


def _call(call_id: str, started_at: int, status: str = "ended") -> CallRecord:
    return CallRecord(call_id=call_id, direction="inbound", started_at=started_at, status=status)


def _ids(html: str) -> list[str]:
    return re.findall(r'<tr data-call="([^"]+)">', html)


async def _asked(
    services: Services, make_account: MakeAccount, add_calls: AddCalls
) -> tuple[TestAccount, str, str]:
    """Calls t1 … t3 of an account: hours asked in t1 and (as "opening", merged into hours)
    t2; a topic labelled with markup in t3. The ids of hours and opening."""
    account = await make_account("Topic Dental")
    async with services.sessions.begin() as session:
        hours = await new_topic(session, account.id, "What are your hours?")
        opening = await new_topic(session, account.id, "When do you open?")
        odd = await new_topic(session, account.id, XSS)
    await add_calls(account, [_call(f"t{n}", NOW - n * 60_000) for n in (1, 2, 3)])
    await ask(services, account.id, "t1", ["What are your hours?", XSS], [hours, odd])
    await ask(services, account.id, "t2", ["When do you open?"], [opening])
    await ask(services, account.id, "t3", ["Is it <b>safe</b>?"], [odd])
    await merge(services, account.id, {opening: hours})
    return account, hours, opening


async def test_top_questions_lead_to_the_calls_of_their_topic(
    dashboard: OpenDashboard,
    services: Services,
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
) -> None:
    account, hours, _ = await _asked(services, make_account, add_calls)
    owner = await dashboard(await make_user(account.id, "owner"))
    overview = (await owner.get("/dashboard/overview")).text
    rows = re.findall(r'<tr data-question="(tq_\w+)"><td><a href="([^"]*)">([^<]*)</a>', overview)
    odd_id = rows[0][0]
    # Two calls each; ties by label, "<" before "W".
    assert [(unescape(href), unescape(label)) for _, href, label in rows] == [
        (f"/dashboard/calls?topic={odd_id}", XSS),
        (f"/dashboard/calls?topic={hours}", "What are your hours?"),
    ]
    response = await owner.get(f"/dashboard/calls?topic={hours}")
    assert response.status_code == 200
    html = response.text
    assert _ids(html) == ["t1", "t2"]
    assert f'<input type="hidden" name="topic" value="{hours}">' in html
    assert re.search(r"asked about\s+<q>What are your hours\?</q>\.", html)
    assert '<a href="/dashboard/calls">Show calls of every topic</a>' in html
    filtered = await owner.get(f"/dashboard/calls?topic={hours}&direction=inbound")
    assert '<a href="/dashboard/calls?direction=inbound">Show calls of every topic</a>' in (
        filtered.text
    )
    odd = await owner.get(f"/dashboard/calls?topic={odd_id}")
    assert _ids(odd.text) == ["t1", "t3"]
    assert "<q>&lt;script&gt;alert(1)&lt;/script&gt;</q>" in odd.text


async def test_a_merged_topic_is_named_as_its_survivor(
    dashboard: OpenDashboard,
    services: Services,
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
) -> None:
    account, _, opening = await _asked(services, make_account, add_calls)
    owner = await dashboard(await make_user(account.id, "owner"))
    html = (await owner.get(f"/dashboard/calls?topic={opening}")).text
    assert _ids(html) == ["t1", "t2"]
    assert "<q>What are your hours?</q>" in html


async def test_an_unknown_or_another_accounts_topic_lists_nothing_and_a_bad_one_is_explained(
    dashboard: OpenDashboard,
    services: Services,
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
) -> None:
    _, hours, _ = await _asked(services, make_account, add_calls)
    other = await make_account("Other Dental")
    await add_calls(other, [_call("o1", NOW - 1000)])
    viewer = await dashboard(await make_user(other.id, "owner"))
    for topic in (hours, "tq_" + "0" * 20):
        response = await viewer.get(f"/dashboard/calls?topic={topic}")
        assert response.status_code == 200
        assert _ids(response.text) == []
        assert "a topic this account does not have" in response.text
        assert "What are your hours?" not in response.text
        assert "No calls match these filters." in response.text
    response = await viewer.get("/dashboard/calls?topic=hours")
    assert response.status_code == 400
    assert "This topic link is not valid: open a topic from the Overview." in response.text


async def test_a_calls_page_lists_its_questions_with_their_topics(
    dashboard: OpenDashboard,
    services: Services,
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
) -> None:
    account, hours, _ = await _asked(services, make_account, add_calls)
    member = await dashboard(await make_user(account.id, "member"))
    html = (await member.get("/dashboard/calls/t2")).text
    items = re.findall(
        r'<li data-question="(tq_\w+)">\s*<span class="question-text">([^<]*)</span>\s*'
        r'<span class="muted">Topic:</span> <a href="([^"]*)">([^<]*)</a>',
        html,
    )
    assert items == [
        (hours, "When do you open?", f"/dashboard/calls?topic={hours}", "What are your hours?")
    ]
    html = (await member.get("/dashboard/calls/t1")).text
    texts = re.findall(r'<span class="question-text">([^<]*)</span>', html)
    assert texts == ["What are your hours?", "&lt;script&gt;alert(1)&lt;/script&gt;"]
    assert "<script>alert" not in html
    html = (await member.get("/dashboard/calls/t3")).text
    assert '<span class="question-text">Is it &lt;b&gt;safe&lt;/b&gt;?</span>' in html


async def test_a_call_without_questions_says_so(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser, add_calls: AddCalls
) -> None:
    account = await make_account("Quiet Dental")
    await add_calls(account, [_call("q1", NOW), _call("q2", NOW, "ongoing")])
    owner = await dashboard(await make_user(account.id, "owner"))
    assert "The caller asked no question." in (await owner.get("/dashboard/calls/q1")).text
    assert (
        "questions are found when the call has ended"
        in (await owner.get("/dashboard/calls/q2")).text
    )
