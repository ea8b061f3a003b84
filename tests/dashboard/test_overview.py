"""The Overview page over ASGI: the API's figures for each period, the charts' numbers, the
period in the URL, tenancy."""

import re
from collections.abc import Awaitable, Callable, Iterator
from html import unescape

import httpx
import pytest
from fastapi import FastAPI

from humanadd.dashboard.charts import heat_levels, heatmap
from humanadd.stats.endpoints import request_time_ms
from tests.conftest import AddCalls, MakeAccount, TestAccount
from tests.dashboard.conftest import Dashboard, MakeUser
from tests.stats.builders import at, call

NOW = at("2026-11-15T12:00:00Z")  # Sunday 7:00 in New York
ZONE = "America/New_York"
OpenDashboard = Callable[..., Awaitable[Dashboard]]


@pytest.fixture(autouse=True)
def pinned_now(app: FastAPI) -> Iterator[None]:
    app.dependency_overrides[request_time_ms] = lambda: NOW
    yield
    app.dependency_overrides.pop(request_time_ms, None)


async def _busy_account(make_account: MakeAccount, add_calls: AddCalls) -> TestAccount:
    account = await make_account("Overview Plumbing", timezone=ZONE)
    await add_calls(
        account,
        [
            call("2026-11-15T04:30:00Z", sentiment="positive", questions=["Are you open?"]),
            call("2026-11-15T05:10:00Z", duration_seconds=0),  # Sunday 0:10 EST: missed
            call("2026-11-14T15:00:00Z", direction="outbound", duration_seconds=95),
            call("2026-11-12T14:00:00Z", sentiment="negative", questions=["are you OPEN"]),
            call("2026-11-10T20:00:00Z", disconnection_reason="voicemail_reached"),
            call("2026-11-01T06:30:00Z", sentiment="neutral", questions=["Do you take Visa?"]),
            call("2026-10-20T13:00:00Z", status="ongoing", duration_seconds=0),
            call("2026-09-01T13:00:00Z", duration_seconds=3700),
        ],
    )
    return account


def _stats_on(html: str) -> dict[str, str]:
    return {
        name: unescape(value) for name, value in re.findall(r'data-stat="([\w.]+)">([^<]*)<', html)
    }


def _api_figures(stats: dict[str, object]) -> dict[str, str]:
    flat = {name: value for name, value in stats.items() if not isinstance(value, dict | list)}
    distribution = stats["sentimentDistribution"]
    assert isinstance(distribution, dict)
    flat.update({f"sentimentDistribution.{k}": v for k, v in distribution.items()})
    return {name: "—" if value is None else str(value) for name, value in flat.items()}


async def test_every_figure_is_the_apis_for_each_period_in_the_accounts_zone(
    client: httpx.AsyncClient,
    dashboard: OpenDashboard,
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
) -> None:
    account = await _busy_account(make_account, add_calls)
    owner = await dashboard(await make_user(account.id, "owner"))
    for days in (1, 7, 30, 90):
        api = (await client.get(f"/api/v1/stats?days={days}", headers=account.headers)).json()
        response = await owner.get(f"/dashboard/overview?days={days}")
        assert response.status_code == 200, response.text
        html = response.text
        assert _stats_on(html) == _api_figures(api["stats"])
        questions = re.findall(
            r'<tr data-question="(tq_\w+)"><td><a href="([^"]*)">([^<]*)</a></td>'
            r"<td[^>]*>(\d+)<",
            html,
        )
        assert [
            {"question": unescape(text), "count": int(count), "topic_id": topic_id}
            for topic_id, _, text, count in questions
        ] == api["stats"]["topQuestions"]
        assert [unescape(href) for _, href, _, _ in questions] == [
            f"/dashboard/calls?topic={topic_id}" for topic_id, _, _, _ in questions
        ]
        answered = [int(n) for n in re.findall(r"data-day-answered>(\d+)<", html)]
        missed = [int(n) for n in re.findall(r"data-day-missed>(\d+)<", html)]
        assert len(answered) == days + 1  # every local date the window touches
        assert sum(answered) == api["stats"]["answered"]
        assert sum(missed) == api["stats"]["missed"]
        heat = [int(n) for n in re.findall(r"data-heat>(\d+)<", html)]
        assert len(heat) == 168
        assert sum(heat) == api["stats"]["totalCalls"]
        assert (
            f'aria-current="page">{"Last 24 hours" if days == 1 else f"Last {days} days"}<' in html
        )
    assert api["stats"]["totalCalls"] == 8  # the 90 days hold them all


async def test_the_charts_use_the_accounts_days_and_hours(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser, add_calls: AddCalls
) -> None:
    account = await _busy_account(make_account, add_calls)
    owner = await dashboard(await make_user(account.id, "member"))
    html = (await owner.get("/dashboard/overview?days=1")).text
    # 04:30Z is Saturday 23:30 in New York, 05:10Z is Sunday 0:10 (missed).
    rows = re.findall(
        r'<th scope="row"><a href="([^"]+)">([\d-]+)</a></th><td[^>]*>(\d+)</td><td[^>]*>(\d+)<',
        html,
    )
    assert rows == [
        ("/dashboard/calls?from=2026-11-14&amp;to=2026-11-14", "2026-11-14", "2", "0"),
        ("/dashboard/calls?from=2026-11-15&amp;to=2026-11-15", "2026-11-15", "0", "1"),
    ]
    bar = '<a href="/dashboard/calls?from=2026-11-15&amp;to=2026-11-15" aria-label="2026-11-15: 0'
    assert f'{bar} answered, 1 missed">' in html
    assert "<title>Saturday 23:00 to 23:59: 1 call</title>" in html
    assert "<title>Sunday 00:00 to 00:59: 1 call</title>" in html
    assert "<title>Saturday 10:00 to 10:59: 1 call</title>" in html  # 15:00Z
    assert "Calls by weekday and hour (America/New_York)" in html
    assert "Positive: 1 call, 33.3%" in html


async def test_another_period_shows_the_default_with_a_message(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser
) -> None:
    account = await make_account(timezone=ZONE)
    owner = await dashboard(await make_user(account.id, "owner"))
    for bad in ("14", "abc", "-1", "1e3", "9" * 400):
        response = await owner.get("/dashboard/overview", params={"days": bad})
        assert response.status_code == 400
        assert "The period can be 1, 7, 30 or 90 days" in response.text
        assert "showing the last 30 days" in response.text
        assert "The last 720 hours" in response.text
    default = await owner.get("/dashboard/overview")
    assert default.status_code == 200
    assert 'aria-current="page">Last 30 days<' in default.text


async def test_an_account_sees_only_its_own_figures(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser, add_calls: AddCalls
) -> None:
    busy = await _busy_account(make_account, add_calls)
    quiet = await make_account("Quiet", timezone=ZONE)
    viewer = await dashboard(await make_user(quiet.id, "owner"))
    html = (await viewer.get("/dashboard/overview?days=90")).text
    assert _stats_on(html)["totalCalls"] == "0"
    assert (await viewer.get(f"/dashboard/overview?account={busy.id}")).status_code == 404


def test_heat_levels_are_quartiles_of_the_hours_with_calls() -> None:
    # One busy hour among quiet ones: a linear scale would paint every quiet hour the same
    # pale colour; quartiles keep them apart.
    counts = [0, 1, 2, 3, 4, 5, 6, 7, 1000]
    assert heat_levels(counts) == [0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert heat_levels([0, 0, 0]) == [0, 0, 0]
    assert heat_levels([0, 5, 5]) == [0, 4, 4]
    grid = heatmap([0] * 100 + [1, 2, 3, 40] + [0] * 64)
    assert grid.legend == [(0, "no calls"), (1, "1 call"), (2, "2 calls"), (3, "3 calls"),
                           (4, "40 calls")]  # fmt: skip
    assert [cell.level for cell in grid.rows[4][4:8]] == [1, 2, 3, 4]  # Friday 4:00 to 7:59
