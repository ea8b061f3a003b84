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
