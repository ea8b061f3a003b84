"""Logging in and out in a real browser."""

import re
from collections.abc import Awaitable, Callable

from playwright.async_api import Page, expect

from tests.conftest import MakeAccount
from tests.dashboard.conftest import MakeUser, assert_accessible, log_in, screenshot


async def test_an_owner_logs_in_and_out(
    new_page: Callable[..., Awaitable[Page]], make_account: MakeAccount, make_user: MakeUser
) -> None:
    account = await make_account("Browser Login HVAC")
    owner = await make_user(account.id, "owner")
    page = await new_page()
    await page.goto("/dashboard/overview")
    await expect(page).to_have_url(re.compile(r"/dashboard/login\?next=%2Fdashboard%2Foverview$"))
    await assert_accessible(page)
    await screenshot(page, "login")
    await log_in(page, owner)
    await expect(page).to_have_url(re.compile(r"/dashboard/overview$"))
    await page.get_by_role("button", name="Log out").click()
    await expect(page).to_have_url(re.compile(r"/dashboard/login$"))
    await page.goto("/dashboard/overview")
    await expect(page).to_have_url(re.compile(r"/dashboard/login\?"))


async def test_a_wrong_password_shows_one_generic_error(
    new_page: Callable[..., Awaitable[Page]], make_account: MakeAccount, make_user: MakeUser
) -> None:
    account = await make_account("Browser Wrong Password")
    owner = await make_user(account.id, "owner")
    page = await new_page(width=375)
    for email in (owner.email, "nobody-here@example.com"):
        await page.goto("/dashboard/login")
        await page.get_by_label("Email").fill(email)
        await page.get_by_label("Password").fill("not the password")
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_role("alert")).to_have_text("The email or password is not right.")
    await assert_accessible(page)


async def test_after_ten_failures_even_the_right_password_gets_the_429_page(
    new_page: Callable[..., Awaitable[Page]], make_account: MakeAccount, make_user: MakeUser
) -> None:
    account = await make_account("Browser Lockout")
    owner = await make_user(account.id, "owner")
    page = await new_page()

    async def attempt(password: str) -> int:
        await page.goto("/dashboard/login")
        await page.get_by_label("Email").fill(owner.email)
        await page.get_by_label("Password").fill(password)
        async with page.expect_navigation() as navigation:
            await page.get_by_role("button", name="Log in").click()
        response = await navigation.value
        assert response is not None
        return response.status

    statuses = [await attempt(f"wrong {n}") for n in range(10)]
    locked = await attempt(owner.password)

    assert statuses == [401] * 10
    assert locked == 429
    await expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")
    await expect(page.get_by_text("Too many failed logins.")).to_be_visible()
    await assert_accessible(page)


async def test_the_keyboard_alone_logs_in_and_reaches_the_tabs_with_a_visible_focus(
    new_page: Callable[..., Awaitable[Page]], make_account: MakeAccount, make_user: MakeUser
) -> None:
    account = await make_account("Keyboard Only Clinic")
    owner = await make_user(account.id, "member")
    page = await new_page()
    await page.goto("/dashboard/login")

    await page.keyboard.press("Tab")  # the skip link first
    await page.keyboard.press("Tab")  # the brand link
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Email")).to_be_focused()
    await page.keyboard.type(owner.email)
    await page.keyboard.press("Tab")
    await page.keyboard.type(owner.password)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/dashboard/overview$"))

    calls = page.get_by_role("link", name="Calls", exact=True)
    for _ in range(10):
        await page.keyboard.press("Tab")
        if await calls.evaluate("link => link === document.activeElement"):
            break
    await expect(calls).to_be_focused()
    outline = await calls.evaluate("link => getComputedStyle(link).outlineStyle")
    assert outline != "none"
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"/dashboard/calls$"))
