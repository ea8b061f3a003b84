"""The Knowledge base tab over ASGI: the current text and its push, submitting a change (the
API's rules and review), the replace confirmation, the changes with their review, the plan
gate, roles and tenancy."""

import html
import re
from collections.abc import Awaitable, Callable

from humanadd.clock import now_ms
from humanadd.dependencies import Services
from humanadd.kb import review as kb_review
from humanadd.providers import kb_push
from tests.conftest import MakeAccount
from tests.dashboard.conftest import Dashboard, MakeUser, TestUser
from tests.kb.support import change, count_changes, queue, review, stored_changes
from tests.providers.conftest import provider_account

KB = "/dashboard/knowledge-base"
XSS = "<script>alert(1)</script> <img src=x onerror=alert(1)>"
HOURS = "Our hours are 8am-6pm Monday to Friday."
OpenAs = Callable[[TestUser], Awaitable[Dashboard]]


def submitted_id(location: str) -> str:
    found = re.fullmatch(
        r"/dashboard/knowledge-base\?(?:account=acc_\w+&)?submitted=(kbc_\w+)", location
    )
    assert found, location
    return found.group(1)


async def test_the_tab_shows_the_current_version_and_that_the_receptionist_has_it(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    account = await provider_account(make_account, services, "simulated", "agent_kb_page")
    owner = await dashboard(await make_user(account.id, "owner"))
    empty = await owner.get(KB)
    assert empty.status_code == 200
    assert "Your knowledge base is empty" in empty.text

    await queue(services, account, HOURS)
    await queue(services, account, "Free parking is behind the building.")
    await review(services, account)
    waiting = await owner.get(KB)
    assert "Version 2 ·" in waiting.text
    assert '<span class="badge pending">not pushed yet</span>' in waiting.text
    assert waiting.text.index(HOURS) < waiting.text.index("Free parking is behind the building.")

    [(_, lease)] = [
        c for c in await kb_push.claim(services.sessions, now_ms(), 1000) if c[0] == account.id
    ]
    assert await kb_push.push_one(services.sessions, services.settings, account.id, lease)
    pushed = await owner.get(KB)
    assert '<span class="badge pushed">pushed</span> to your AI receptionist' in pushed.text
    assert pushed.text.count('<span class="badge pushed">pushed</span>') == 3  # version, 2 rows


async def test_an_owner_appends_a_change_which_is_reviewed_at_once(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    account = await make_account("KB Append Dental")
    user = await make_user(account.id, "owner")
    owner = await dashboard(user)

    response = await owner.post(KB, {"text": HOURS})

    assert response.status_code == 303
    change_id = submitted_id(response.headers["location"])
    stored = await change(services, change_id)
    assert (stored.account_id, stored.text, stored.replace) == (account.id, HOURS, False)
    assert stored.status == "approved", "reviewed in the request, as the worker would"
    assert stored.submitted_by.startswith("user:")
    page = await owner.get(response.headers["location"])
    assert f"Your change <code>{change_id}</code> was submitted" in page.text
    row = page.text[page.text.index(f'<tr id="{change_id}">') :]
    assert '<span class="badge approved">approved</span>' in row.split("</tr>")[0]
    assert f"by {user.email}" in row.split("</tr>")[0]


async def test_the_apis_rules_refuse_a_text_inline_and_queue_nothing(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    account = await make_account()
    owner = await dashboard(await make_user(account.id, "owner"))
    refusals = {
        "   \n ": "The text must contain at least one non-space character.",
        "a\x00b": "The text must not contain NUL characters (U+0000).",
        "x" * 100_001: "The text is too long: at most 100,000 characters.",
    }
    for text, message in refusals.items():
        response = await owner.post(KB, {"text": text})
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("text/html")
        assert f'<p class="error" role="alert" id="kb-text-error">{message}</p>' in response.text
        assert 'aria-invalid="true"' in response.text
    assert await count_changes(services, account) == 0

    longest = await owner.post(KB, {"text": "é" * 100_000})
    assert longest.status_code == 303, "the API's longest text fits a form too"


async def test_a_replace_is_confirmed_on_its_own_page_that_says_what_it_wipes(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    account = await make_account()
    owner = await dashboard(await make_user(account.id, "owner"))
    await queue(services, account, HOURS)
    await queue(services, account, "Free parking is behind the building.")
    await review(services, account)
    tab = await owner.get(KB)
    assert f'href="{KB}/replace"' in tab.text

    confirmation = await owner.get(f"{KB}/replace")

    assert confirmation.status_code == 200
    assert "the 2 entries of version 2 will be removed" in confirmation.text
    assert 'data-confirm="Replace the whole knowledge base?' in confirmation.text
    assert f'<form method="post" action="{KB}/replace"' in confirmation.text
    blank = await owner.post(f"{KB}/replace", {"text": " "})
    assert blank.status_code == 400
    assert "The text must contain at least one non-space character." in blank.text
    replaced = await owner.post(f"{KB}/replace", {"text": "Moved."})
    assert replaced.status_code == 303
    stored = await change(services, submitted_id(replaced.headers["location"]))
    assert (stored.replace, stored.status, stored.findings) == (True, "held", ["large_shrink"])
    appended = await stored_changes(services, account)
    assert [c.replace for c in appended] == [False, False, True]


async def test_the_changes_show_findings_the_reject_reason_and_escape_the_text(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    account = await make_account()
    owner = await dashboard(await make_user(account.id, "owner"))
    held = await queue(services, account, "The back office password: Tulip2026")
    await review(services, account)
    async with services.sessions.begin() as session:
        await kb_review.reject(session, held, actor="cli", reason=f"No secrets, please. {XSS}")
    sent = await owner.post(KB, {"text": XSS})
    assert sent.status_code == 303

    page = (await owner.get(KB)).text

    assert "secret: looks like a password or key" in page
    assert '<span class="badge rejected">rejected</span>' in page
    assert f"<strong>Reason:</strong> No secrets, please. {html.escape(XSS)}" in page
    assert f"<pre>{html.escape(XSS)}</pre>" in page
    assert "<script>alert" not in page
    assert "<img src=x" not in page


async def test_the_changes_come_a_page_at_a_time(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    account = await make_account()
    owner = await dashboard(await make_user(account.id, "owner"))
    ids = [await queue(services, account, f"Fact number {n}.") for n in range(23)]

    first = (await owner.get(KB)).text
    older = re.search(r'href="(/dashboard/knowledge-base\?cursor=[^"]+)">Older changes', first)
    assert older
    second = (await owner.get(html.unescape(older.group(1)))).text

    shown = [re.findall(r'<tr id="(kbc_\w+)">', text) for text in (first, second)]
    assert shown == [ids[::-1][:20], ids[::-1][20:]]
    assert "Older changes" not in second
    assert "Newest changes" in second
    bad = await owner.get(f"{KB}?cursor=not-a-cursor")
    assert bad.status_code == 400
    assert "This page link is not valid any more" in bad.text


async def test_off_enterprise_the_tab_says_why_and_refuses_every_change(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    account = await make_account("KB Starter", plan="starter")
    owner = await dashboard(await make_user(account.id, "owner"))

    page = await owner.get(KB)

    assert page.status_code == 200
    assert "The knowledge base is available on the Enterprise plan." in page.text
    assert 'name="text"' not in page.text
    for url in (KB, f"{KB}/replace"):
        refused = await owner.post(url, {"text": HOURS})
        assert refused.status_code == 403
        assert "The knowledge base is available on the Enterprise plan." in refused.text
    assert (await owner.get(f"{KB}/replace")).status_code == 403
    assert await count_changes(services, account) == 0


async def test_a_member_may_submit_and_an_operator_submits_for_an_account(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    account = await make_account()
    member = await dashboard(await make_user(account.id, "member"))
    operator = await dashboard(await make_user(None, "operator"))

    by_member = await member.post(KB, {"text": HOURS})
    by_operator = await operator.post(f"{KB}?account={account.id}", {"text": "Closed on Sundays."})

    assert by_member.status_code == by_operator.status_code == 303
    assert by_operator.headers["location"].startswith(f"{KB}?account={account.id}&submitted=")
    texts = [c.text for c in await stored_changes(services, account)]
    assert texts == [HOURS, "Closed on Sundays."]
    page = await operator.get(f"{KB}?account={account.id}")
    assert f'action="{KB}?account={account.id}"' in page.text


async def test_a_customer_cannot_see_or_change_another_accounts_knowledge_base(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    mine = await make_account()
    theirs = await make_account("KB Other Clinic")
    owner = await dashboard(await make_user(mine.id, "owner"))

    assert (await owner.get(f"{KB}?account={theirs.id}")).status_code == 404
    refused = await owner.post(f"{KB}?account={theirs.id}", {"text": HOURS})
    assert refused.status_code == 404
    assert await count_changes(services, theirs) == 0
    assert await count_changes(services, mine) == 0
