"""Every page of the dashboard on the demo's own data, as its owner and as an operator would
see them: axe-core on each at desktop and phone width, no page wider than a phone, and the
screenshots docs/dashboard.md shows."""

from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import Page

from humanadd.analytics.embedding import Embedder
from humanadd.demo.generator import EXAMPLE_CALL_ID
from humanadd.demo.service import OPERATOR_EMAIL, OWNER_EMAIL, DemoAccess, prepare
from humanadd.dependencies import Services
from tests.dashboard.conftest import TestUser, assert_accessible, log_in, screenshot

OWNER_PAGES = {
    "overview": "/dashboard/overview",
    "overview-7-days": "/dashboard/overview?days=7",
    "calls": "/dashboard/calls",
    "calls-filtered": "/dashboard/calls?direction=inbound&sentiment=negative",
    "call-detail": f"/dashboard/calls/{EXAMPLE_CALL_ID}",
    "knowledge-base": "/dashboard/knowledge-base",
    "knowledge-base-replace": "/dashboard/knowledge-base/replace",
    "integrations": "/dashboard/integrations",
    "integrations-rotate": "/dashboard/integrations/api-key/rotate",
}
OPERATOR_PAGES = {
    "accounts": "/dashboard/accounts",
    "review-queue": "/dashboard/review",
    "audit-log": "/dashboard/audit",
}
SCREENSHOTS = {"overview", "calls", "call-detail", "knowledge-base", "integrations", "accounts"}
"""The pages docs/dashboard.md shows from this tour (the others come from the flows' tests)."""


@pytest.fixture
async def demo(services: Services, embedder: Embedder) -> DemoAccess:
    async with services.sessions.begin() as session:
        return await prepare(session, embedder)


async def _visit(page: Page, name: str, path: str) -> None:
    response = await page.goto(path)
    assert response is not None
    assert response.status == 200, (path, response.status)
    await assert_accessible(page)
    wide = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not wide, f"{path} scrolls sideways at {page.viewport_size}"
    if name in SCREENSHOTS and page.viewport_size and page.viewport_size["width"] > 1000:
        await screenshot(page, name)


@pytest.mark.parametrize("width", [1280, 375])
async def test_every_page_on_the_demo_passes_axe_at_desktop_and_phone_width(
    new_page: Callable[..., Awaitable[Page]], demo: DemoAccess, width: int
) -> None:
    logins = dict(demo.logins)
    owner = TestUser(OWNER_EMAIL, logins[OWNER_EMAIL], "owner", demo.account_id)
    operator = TestUser(OPERATOR_EMAIL, logins[OPERATOR_EMAIL], "operator", None)

    page = await new_page(width=width)
    await log_in(page, owner)
    for name, path in OWNER_PAGES.items():
        await _visit(page, name, path)

    page = await new_page(width=width)
    await log_in(page, operator)
    for name, path in OPERATOR_PAGES.items():
        await _visit(page, name, path)
    await _visit(page, "operator-overview", f"/dashboard/overview?account={demo.account_id}")
