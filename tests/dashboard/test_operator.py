"""The operator pages over ASGI: Accounts (list, create, plan, review policy), the Review queue
(approve, reject with a reason the customer sees) and the Audit log (filter, paging, actors),
operators only."""

import html
import re
from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import select

from humanadd.accounts.models import Account
from humanadd.audit import service as audit
from humanadd.audit.models import AuditEvent
from humanadd.dependencies import Services
from humanadd.kb import review as kb_review
from tests.conftest import AddCalls, MakeAccount, TestAccount
from tests.dashboard.conftest import Dashboard, MakeUser, TestUser
from tests.kb.support import change, queue, review, statuses
from tests.stats.builders import call

OpenAs = Callable[[TestUser], Awaitable[Dashboard]]
XSS = "<script>alert(1)</script> <img src=x onerror=alert(1)>"
HOURS = "Our hours are 8am-6pm Monday to Friday."


async def stored_account(services: Services, account_id: str) -> Account:
    async with services.sessions() as session:
        found = await session.get(Account, account_id)
        assert found is not None
        return found


async def audit_of(services: Services, account_id: str, action: str) -> list[AuditEvent]:
    async with services.sessions() as session:
        statement = (
            select(AuditEvent)
            .where(AuditEvent.account_id == account_id, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
        return list((await session.execute(statement)).scalars())


async def held_change(services: Services, account: TestAccount, text: str) -> str:
    async with services.sessions.begin() as session:
        await kb_review.set_policy(session, account.id, "manual", actor="test")
    change_id = await queue(services, account, text)
    await review(services, account)
    assert (await change(services, change_id)).status == "held"
    return change_id


@pytest.mark.parametrize("role", ["owner", "member"])
async def test_a_customer_gets_403_on_every_operator_page_and_action(
    role: str,
    services: Services,
    make_account: MakeAccount,
    make_user: MakeUser,
    dashboard: OpenAs,
) -> None:
    account = await make_account()
    other = await make_account("Ops Gate Other")
    change_id = await held_change(services, account, HOURS)
    others_change = await held_change(services, other, HOURS)
    customer = await dashboard(await make_user(account.id, role))

    for url in ("/dashboard/accounts", "/dashboard/review", "/dashboard/audit"):
        refused = await customer.get(url)
        assert refused.status_code == 403, url
        assert "This page is for humanadd&#39;s operators only." in refused.text
    posts = {
        "/dashboard/accounts": {"name": "Sneaky", "plan": "enterprise", "timezone": "UTC"},
        f"/dashboard/accounts/{account.id}/plan": {"plan": "starter"},
        f"/dashboard/accounts/{account.id}/kb-policy": {"policy": "auto"},
        f"/dashboard/review/{change_id}/approve": {},
        f"/dashboard/review/{change_id}/reject": {"reason": "no"},
        f"/dashboard/review/{others_change}/approve": {},
        f"/dashboard/review/{others_change}/reject": {"reason": "no"},
        f"/dashboard/accounts/{other.id}/plan": {"plan": "starter"},
    }
    for url, data in posts.items():
        assert (await customer.post(url, data)).status_code == 403, url
    stored = await stored_account(services, account.id)
    assert (stored.plan, stored.kb_policy) == ("enterprise", "manual")
    assert (await stored_account(services, other.id)).plan == "enterprise"
    assert await statuses(services, change_id, others_change) == ["held", "held"]


async def test_without_a_session_the_operator_pages_lead_to_the_login(app: object) -> None:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        for url in ("/dashboard/accounts", "/dashboard/review", "/dashboard/audit"):
            response = await http.get(url)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/dashboard/login?next=")


async def test_the_accounts_list_names_plan_zone_calls_and_links_into_each_account(
    make_account: MakeAccount, add_calls: AddCalls, make_user: MakeUser, dashboard: OpenAs
) -> None:
    account = await make_account(f"Ops List {XSS}", plan="pro", timezone="America/Chicago")
    await add_calls(account, [call("2026-11-02T10:00:00Z"), call("2026-11-03T10:00:00Z")])
    operator = await dashboard(await make_user(None, "operator"))

    page = await operator.get("/dashboard/accounts")

    assert page.status_code == 200
    row = page.text[page.text.index(f'<tr id="{account.id}">') :].split("</tr>")[0]
    name = html.escape(f"Ops List {XSS}")
    assert f'<a href="/dashboard/overview?account={account.id}">{name}</a>' in row
    assert '<option value="pro" selected>Pro</option>' in row
    assert "<td>America/Chicago</td>" in row
    assert '<td class="number">2</td>' in row
    assert f'href="/dashboard/knowledge-base?account={account.id}"' in row
    assert "<script>" not in page.text
    opened = await operator.get(f"/dashboard/overview?account={account.id}")
    assert opened.status_code == 200
    assert f'<div class="account-bar">\n  <strong>{name}</strong>' in opened.text
    assert (await operator.get("/dashboard/overview")).status_code == 400


async def test_an_operator_creates_an_account_and_sees_its_key_once(
    client: httpx.AsyncClient, services: Services, make_user: MakeUser, dashboard: OpenAs
) -> None:
    operator = await dashboard(await make_user(None, "operator"))
    form = {"name": "Created Plumbing", "plan": "enterprise", "timezone": "Europe/Paris"}

    response = await operator.post("/dashboard/accounts", form)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    key = re.search(
        r'<input id="new-api-key" type="text" readonly value="(hak_[^"]+)"', response.text
    )
    assert key, response.text
    assert (
        '<button type="button" class="secondary" data-copy="new-api-key" hidden>Copy</button>'
        in response.text
    )
    assert "it will not be shown again" in response.text
    account_id = re.search(r"Its id is <code>(acc_\w+)</code>", response.text)
    assert account_id
    stored = await stored_account(services, account_id.group(1))
    assert (stored.name, stored.plan, stored.timezone) == (
        "Created Plumbing",
        "enterprise",
        "Europe/Paris",
    )
    api = await client.get("/api/v1/calls", headers={"Authorization": f"Bearer {key.group(1)}"})
    assert api.status_code == 200
    [created] = await audit_of(services, stored.id, "account.created")
    assert created.actor.startswith("user:")
    listed = await operator.get("/dashboard/accounts")
    assert key.group(1) not in listed.text


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": " ", "plan": "pro", "timezone": "UTC"}, "an account needs a non-blank name"),
        ({"name": "Bad Zone", "plan": "pro", "timezone": "EST"}, "time zone &#39;EST&#39; is an"),
        ({"name": "Bad Plan", "plan": "gold", "timezone": "UTC"}, "unknown plan &#39;gold&#39;"),
    ],
)  # fmt: skip
async def test_a_refused_account_is_shown_inline_and_nothing_is_made(
    form: dict[str, str],
    message: str,
    services: Services,
    make_user: MakeUser,
    dashboard: OpenAs,
) -> None:
    operator = await dashboard(await make_user(None, "operator"))
    async with services.sessions() as session:
        before = len((await session.execute(select(Account.id))).all())

    response = await operator.post("/dashboard/accounts", form)

    assert response.status_code == 400
    assert '<p class="error" role="alert" id="create-error">' + message in response.text
    assert f'value="{form["name"]}"' in response.text
    async with services.sessions() as session:
        assert len((await session.execute(select(Account.id))).all()) == before


async def test_a_plan_change_is_audited_with_the_operators_email(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    account = await make_account("Ops Plan Change")
    user = await make_user(None, "operator")
    operator = await dashboard(user)

    response = await operator.post(f"/dashboard/accounts/{account.id}/plan", {"plan": "starter"})

    assert response.status_code == 303
    assert response.headers["location"] == f"/dashboard/accounts?saved={account.id}#{account.id}"
    assert (await stored_account(services, account.id)).plan == "starter"
    [event] = await audit_of(services, account.id, "account.plan_changed")
    assert event.actor.startswith("user:")
    assert event.details == {"old_plan": "enterprise", "new_plan": "starter"}
    log = (await operator.get(f"/dashboard/audit?account={account.id}")).text
    row = log[log.index("<code>account.plan_changed</code>") :].split("</tr>")[0]
    assert f"<td>{user.email}</td>" in row
    bad = await operator.post(f"/dashboard/accounts/{account.id}/plan", {"plan": "gold"})
    assert bad.status_code == 400
    assert "unknown plan &#39;gold&#39;" in bad.text
    missing = await operator.post("/dashboard/accounts/acc_nope/plan", {"plan": "pro"})
    assert missing.status_code == 404


async def test_an_operator_sets_the_knowledge_base_policy(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    account = await make_account("Ops Policy")
    operator = await dashboard(await make_user(None, "operator"))

    response = await operator.post(
        f"/dashboard/accounts/{account.id}/kb-policy", {"policy": "manual"}
    )

    assert response.status_code == 303
    assert (await stored_account(services, account.id)).kb_policy == "manual"
    [event] = await audit_of(services, account.id, "account.kb_policy_set")
    assert (event.actor.startswith("user:"), event.details) == (
        True,
        {"policy": "manual", "previous": "auto"},
    )
    bad = await operator.post(f"/dashboard/accounts/{account.id}/kb-policy", {"policy": "never"})
    assert bad.status_code == 400
    assert "unknown policy &#39;never&#39;" in bad.text


async def test_the_review_queue_shows_a_held_change_with_findings_and_a_diff(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    account = await make_account("Ops Review Diff")
    await queue(services, account, HOURS)
    await review(services, account)
    change_id = await held_change(services, account, f"password: Tulip2026 {XSS}")
    operator = await dashboard(await make_user(None, "operator"))

    page = (await operator.get("/dashboard/review")).text

    item = page[page.index(f'<article class="card review-item" id="{change_id}"') :].split(
        "</article>"
    )[0]
    assert "Ops Review Diff: append" in item
    assert "secret: looks like a password or key" in item
    assert "version 1, the current one" in item
    assert (
        f"<span>  {HOURS}</span><ins>+ </ins><ins>+ password: Tulip2026 {html.escape(XSS)}</ins>"
        in item
    )
    assert "<script>alert" not in page
    assert f'action="/dashboard/review/{change_id}/approve"' in item
    assert (
        '<label for="reason-' + change_id + '">Reason for rejecting (the customer sees it)</label>'
        in item
    )


async def test_approving_applies_the_change_and_the_customer_sees_it_approved(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    account = await make_account("Ops Approve")
    change_id = await held_change(services, account, HOURS)
    operator = await dashboard(await make_user(None, "operator"))
    owner = await dashboard(await make_user(account.id, "owner"))

    response = await operator.post(f"/dashboard/review/{change_id}/approve")

    assert response.status_code == 303
    assert response.headers["location"] == f"/dashboard/review?approved={change_id}"
    decided = await change(services, change_id)
    assert (decided.status, decided.version) == ("approved", 1)
    assert decided.decided_by is not None
    assert decided.decided_by.startswith("user:")
    queue_page = (await operator.get(response.headers["location"])).text
    assert f'id="{change_id}"' not in queue_page
    assert f"Approved change <code>{change_id}</code>." in queue_page
    tab = (await owner.get("/dashboard/knowledge-base")).text
    assert '<span class="badge approved">approved</span>' in tab
    again = await operator.post(f"/dashboard/review/{change_id}/approve")
    assert again.status_code == 400
    assert "only a held change can be decided" in again.text
    assert (await operator.post("/dashboard/review/kbc_missing/approve")).status_code == 404


async def test_rejecting_needs_a_reason_which_the_customer_then_sees(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    account = await make_account("Ops Reject")
    change_id = await held_change(services, account, HOURS)
    operator = await dashboard(await make_user(None, "operator"))
    owner = await dashboard(await make_user(account.id, "owner"))

    blank = await operator.post(f"/dashboard/review/{change_id}/reject", {"reason": "  "})
    assert blank.status_code == 400
    assert "a rejection needs a reason (the customer sees it)" in blank.text
    assert (await change(services, change_id)).status == "held"

    reason = f"Please say which days. {XSS}"
    response = await operator.post(f"/dashboard/review/{change_id}/reject", {"reason": reason})

    assert response.status_code == 303
    rejected = await change(services, change_id)
    assert (rejected.status, rejected.error) == ("rejected", reason)
    tab = (await owner.get("/dashboard/knowledge-base")).text
    assert f"<strong>Reason:</strong> {html.escape(reason)}" in tab
    assert "<script>alert" not in tab
    [event] = await audit_of(services, account.id, "kb.change_rejected")
    assert event.actor == rejected.decided_by


async def test_the_audit_log_filters_by_account_pages_and_names_actors(
    services: Services, make_account: MakeAccount, make_user: MakeUser, dashboard: OpenAs
) -> None:
    mine = await make_account("Ops Audit Mine")
    theirs = await make_account("Ops Audit Theirs")
    async with services.sessions.begin() as session:
        for n in range(55):
            audit.record(session, "test.audited", account_id=mine.id, actor="cli", n=n)
        audit.record(session, "test.audited", account_id=theirs.id, actor="cli", n=99)
    user = await make_user(None, "operator")
    operator = await dashboard(user)
    await operator.post(f"/dashboard/accounts/{mine.id}/plan", {"plan": "pro"})

    first = (await operator.get(f"/dashboard/audit?account={mine.id}")).text

    assert '<option value="' + mine.id + '" selected>' in first
    rows = re.findall(r"<code>([\w.]+)</code></td>\s*<td>([^<]+)</td>", first)
    assert rows[0] == ("account.plan_changed", user.email)
    assert rows[1:] == [("test.audited", "cli")] * 49
    assert "<dt>n</dt><dd>54</dd>" in first
    assert "<dt>n</dt><dd>99</dd>" not in first
    older = re.search(r'href="(/dashboard/audit\?account=[^"]+before=\d+)">Older entries', first)
    assert older
    second = (await operator.get(html.unescape(older.group(1)))).text
    details = re.findall(r"<dt>n</dt><dd>(\d+)</dd>", second)
    assert details == [str(n) for n in range(5, -1, -1)]
    assert "account.created" in second
    assert "Older entries" not in second
    everyone = (await operator.get("/dashboard/audit")).text
    assert "<dt>n</dt><dd>99</dd>" in everyone
    assert (await operator.get("/dashboard/audit?account=acc_nope")).status_code == 404
    assert (await operator.get("/dashboard/audit?before=x")).status_code == 400
