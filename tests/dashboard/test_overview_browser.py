"""Overview in a real browser: its figures are the API's for each period, in a non-UTC zone; a
day's bar leads to that day's calls; accessibility on a desktop and at 375 px."""

import re
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import Page, expect

from humanadd.calls.records import CallRecord
from tests.conftest import AddCalls, MakeAccount
from tests.dashboard.conftest import MakeUser, assert_accessible, log_in
from tests.servers import Server

ZONE = "Asia/Kolkata"
HOUR = 3_600_000


async def _figures_on(page: Page) -> dict[str, str]:
    shown: dict[str, str] = await page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('[data-stat]')]"
        ".map((node) => [node.dataset.stat, node.textContent.trim()]))"
    )
    return shown


def _api_figures(stats: dict[str, object]) -> dict[str, str]:
    flat = {name: value for name, value in stats.items() if not isinstance(value, dict | list)}
    distribution = stats["sentimentDistribution"]
    assert isinstance(distribution, dict)
    flat.update({f"sentimentDistribution.{k}": v for k, v in distribution.items()})
    return {name: "—" if value is None else str(value) for name, value in flat.items()}


async def test_overview_figures_equal_the_apis_for_each_period(
    new_page: Callable[..., Awaitable[Page]],
    live_server: Server,
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
) -> None:
    account = await make_account("Browser Overview Garage", timezone=ZONE)
    owner = await make_user(account.id, "owner")
    now = int(time.time() * 1000)
    ago = [2, 3, 30, 50, 100, 200, 400, 1000, 2500, 3000]  # hours
    await add_calls(
        account,
        [
            CallRecord(
                call_id=f"call_{hours}",
                direction="outbound" if hours % 3 == 0 else "inbound",
                started_at=now - hours * HOUR,
                duration_seconds=0 if hours % 50 == 0 else 30 + hours % 97,
                sentiment=("positive", "neutral", "negative", None)[hours % 4],
                questions=["Is my car ready?"] if hours < 500 else ["Do you do tyres?"],
            )
            for hours in ago
        ],
    )
    page = await new_page()
    await log_in(page, owner)
    await expect(page).to_have_url(re.compile(r"/dashboard/overview$"))
    async with httpx.AsyncClient(base_url=live_server.url, headers=account.headers) as api:
        for days, link in (
            (30, None),
            (1, "Last 24 hours"),
            (7, "Last 7 days"),
            (90, "Last 90 days"),
        ):
            if link:
                await page.get_by_role("link", name=link).click()
                await expect(page).to_have_url(re.compile(rf"/dashboard/overview\?days={days}$"))
            stats = (await api.get(f"/api/v1/stats?days={days}")).json()["stats"]
            assert await _figures_on(page) == _api_figures(stats), days
            questions = page.locator("tr[data-question]")
            await expect(questions).to_have_count(len(stats["topQuestions"]))
    assert stats["totalCalls"] == 8  # 90 days hold all but the two oldest
    await expect(
        page.get_by_role("heading", name=f"Calls by weekday and hour ({ZONE})")
    ).to_be_visible()
    await assert_accessible(page)

    # A day's bar leads to that day's calls, on the account's clock.
    day = datetime.fromtimestamp((now - 2 * HOUR) / 1000, ZoneInfo(ZONE)).date().isoformat()
    await page.locator(f'svg a[aria-label^="{day}:"]').click()
    await expect(page).to_have_url(re.compile(rf"/dashboard/calls\?from={day}&to={day}$"))
    await expect(page.locator('tr[data-call="call_2"]')).to_have_count(1)


async def test_overview_on_a_phone_sized_screen(
    new_page: Callable[..., Awaitable[Page]],
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
) -> None:
    account = await make_account("Browser Overview Phone", timezone="America/Los_Angeles")
    member = await make_user(account.id, "member")
    now = int(time.time() * 1000)
    await add_calls(
        account,
        [
            CallRecord(call_id=f"call_{n}", direction="inbound", started_at=now - n * 5 * HOUR,
                       duration_seconds=n % 3 * 40, sentiment="positive" if n % 2 else None)
            for n in range(1, 30)
        ],
    )  # fmt: skip
    page = await new_page(width=375)
    await log_in(page, member)
    await expect(page.locator('[data-stat="totalCalls"]')).to_have_text("29")
    await assert_accessible(page)
    await page.goto("/dashboard/overview?days=5")
    await expect(page.get_by_role("alert")).to_contain_text("The period can be 1, 7, 30 or 90")
    await assert_accessible(page)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
