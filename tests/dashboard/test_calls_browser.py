"""Calls and a call's page in a real browser: filter, open a call, play its recording from a
transcript line, escaped payloads, accessibility on a desktop and at 375 px."""

import re
import time
from collections.abc import Awaitable, Callable

from playwright.async_api import Dialog, Page, expect

from humanadd.calls.records import CallRecord
from tests.conftest import AddCalls, MakeAccount
from tests.dashboard.conftest import MakeUser, assert_accessible, log_in

XSS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")


def _words(text: str, start: float) -> list[dict[str, object]]:
    return [
        {"word": word, "start": round(start + 0.4 * n, 2), "end": round(start + 0.4 * n + 0.3, 2)}
        for n, word in enumerate(text.split())
    ]


async def test_filter_calls_open_one_and_seek_its_recording_from_the_transcript(
    new_page: Callable[..., Awaitable[Page]],
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
) -> None:
    account = await make_account("Browser Calls Salon", timezone="America/New_York")
    owner = await make_user(account.id, "owner")
    now = int(time.time() * 1000)
    turns = [
        {"role": "agent", "content": "Thanks for calling the salon.",
         "words": _words("Thanks for calling the salon.", 0.5)},
        {"role": "user", "content": XSS[0], "words": _words("script alert", 6.0)},
        {"role": "agent", "content": "We are open until six today.",
         "words": _words("We are open until six today.", 12.0)},
        {"role": "user", "content": XSS[1]},
    ]  # fmt: skip
    await add_calls(
        account,
        [
            CallRecord(call_id="call_seek", direction="inbound", started_at=now - 3_600_000,
                       ended_at=now - 3_580_000, duration_seconds=20, from_number="+12125550188",
                       to_number="+15550100000", sentiment="positive", summary=XSS[1],
                       disconnection_reason="user_hangup", tags=["hours"],
                       transcript_object=turns, recording_ref="demo:seek"),
            CallRecord(call_id="call_other", direction="outbound", started_at=now - 7_200_000,
                       duration_seconds=0, from_number="+15550100000", to_number="+13105550123",
                       disconnection_reason="dial_no_answer"),
        ],
    )  # fmt: skip
    dialogs: list[str] = []
    page = await new_page()

    async def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    await log_in(page, owner)
    await page.get_by_role("link", name="Calls").click()
    await expect(page.locator("tr[data-call]")).to_have_count(2)
    await page.get_by_label("Phone number contains").fill("212 555")
    await page.get_by_label("Direction").select_option("inbound")
    await page.get_by_role("button", name="Filter").click()
    await expect(page).to_have_url(
        re.compile(r"/dashboard/calls\?.*phone=212\+555&direction=inbound")
    )
    await expect(page.locator("tr[data-call]")).to_have_count(1)
    await expect(page.locator('tr[data-call="call_seek"] .badge.answered')).to_have_text("Answered")
    await assert_accessible(page)

    await page.locator('tr[data-call="call_seek"] a').click()
    await expect(page).to_have_url(re.compile(r"/dashboard/calls/call_seek$"))
    await expect(page.get_by_role("heading", name="Call call_seek")).to_be_visible()
    # The payloads are text on the page, and nothing ran.
    await expect(page.locator(".summary-text")).to_have_text(XSS[1])
    await expect(page.locator("#transcript-lines .content").nth(1)).to_have_text(XSS[0])
    await expect(page.locator("#transcript-lines .content").nth(3)).to_have_text(XSS[1])
    audio = page.locator('audio[data-transcript="transcript-lines"]')
    await expect(audio).to_have_attribute("src", "/dashboard/calls/call_seek/recording")
    await page.wait_for_function("document.querySelector('audio').duration > 19")
    await assert_accessible(page)

    line = page.locator("#transcript-lines li").nth(2)
    await expect(line).to_have_attribute("data-start", "12.0")
    await line.get_by_role("button", name="Play from 0:12").click()
    await page.wait_for_function("document.querySelector('audio').currentTime >= 12")
    await expect(line).to_have_class(re.compile(r"\bplaying\b"))
    await expect(line).to_have_attribute("aria-current", "true")
    await page.locator("#transcript-lines li").nth(0).get_by_role("button").click()
    await page.wait_for_function("document.querySelector('audio').currentTime < 12")
    await expect(line).not_to_have_class(re.compile(r"\bplaying\b"))
    assert dialogs == []


async def test_calls_and_a_call_on_a_phone_sized_screen(
    new_page: Callable[..., Awaitable[Page]],
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
) -> None:
    account = await make_account("Browser Calls Phone", timezone="Europe/Berlin")
    member = await make_user(account.id, "member")
    now = int(time.time() * 1000)
    await add_calls(
        account,
        [
            CallRecord(call_id="call_live", direction="inbound", started_at=now - 60_000,
                       status="ongoing", from_number="+4930123456"),
            CallRecord(call_id="call_done", direction="inbound", started_at=now - 600_000,
                       duration_seconds=42, sentiment="negative", tags=["complaint"],
                       summary="Wanted a refund.", transcript="AI: Hello\nCaller: Refund"),
        ],
    )  # fmt: skip
    page = await new_page(width=375)
    await log_in(page, member)
    await page.goto("/dashboard/calls")
    await expect(page.locator("tr[data-call]")).to_have_count(2)
    await assert_accessible(page)
    await page.goto("/dashboard/calls?direction=sideways")
    await expect(page.get_by_role("alert")).to_contain_text("Direction can be inbound, outbound")
    await assert_accessible(page)
    await page.goto("/dashboard/calls/call_done")
    await expect(page.get_by_text("There is no recording of this call.")).to_be_visible()
    await assert_accessible(page)
    await page.goto("/dashboard/calls/call_live")
    await expect(page.locator("[data-refresh]")).to_have_attribute("data-refresh", "10")
    await assert_accessible(page)
