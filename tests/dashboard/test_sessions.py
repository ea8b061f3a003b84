"""Logging in and out over HTTP: one generic error, the login limits, the session cookie,
expiry, and the CSRF and origin checks of every form (docs/dashboard.md)."""

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from humanadd.app import create_app
from humanadd.config import Settings
from humanadd.db import utcnow
from humanadd.dependencies import Services
from humanadd.users import service as users
from humanadd.users.models import DashboardSession
from tests.conftest import MakeAccount
from tests.dashboard.conftest import (
    ORIGIN,
    Dashboard,
    MakeUser,
    TestUser,
    csrf_of,
    post_login,
)

OpenDashboard = Callable[[TestUser], Awaitable[Dashboard]]
WRONG = "The email or password is not right."


@pytest.fixture
async def http(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)


async def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    http: httpx.AsyncClient, make_account: MakeAccount, make_user: MakeUser
) -> None:
    owner = await make_user((await make_account()).id)

    wrong = await post_login(http, owner.email, "not the password")
    unknown = await post_login(http, "nobody@example.com", "not the password")

    assert (wrong.status_code, unknown.status_code) == (401, 401)
    for response in (wrong, unknown):
        assert WRONG in response.text
        assert "set-cookie" not in response.headers or "humanadd_session" not in str(
            response.headers.get_list("set-cookie")
        )
    assert wrong.text.replace(owner.email, "E") == unknown.text.replace("nobody@example.com", "E")


async def test_login_sets_an_httponly_lax_cookie_holding_only_a_random_id(
    http: httpx.AsyncClient, make_account: MakeAccount, make_user: MakeUser, services: Services
) -> None:
    owner = await make_user((await make_account()).id)

    response = await post_login(http, owner.email.upper(), owner.password)

    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "humanadd_session=" in c)
    value = cookie.split(";")[0].split("=", 1)[1]
    assert len(value) >= 40
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # the public URL is plain http here
    async with services.sessions() as session:
        stored = (await session.execute(select(DashboardSession.id_hash))).scalars().all()
    assert value not in stored  # only its hash is kept


async def test_the_cookie_is_secure_when_the_public_url_is_https(
    settings: Settings, make_account: MakeAccount, make_user: MakeUser
) -> None:
    owner = await make_user((await make_account()).id)
    https = settings.model_copy(update={"public_url": "https://app.example.com"})
    application = create_app(https)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="https://app.example.com") as c:
            origin = {"Origin": "https://app.example.com"}
            response = await post_login(c, owner.email, owner.password, origin)
    cookies = response.headers.get_list("set-cookie")
    assert response.status_code == 303
    assert all("Secure" in cookie for cookie in cookies)


async def test_ten_failures_lock_an_email_even_against_the_right_password(
    http: httpx.AsyncClient, make_account: MakeAccount, make_user: MakeUser
) -> None:
    account = await make_account()
    owner = await make_user(account.id)
    other = await make_user(account.id)

    failures = [await post_login(http, owner.email, f"wrong {n}") for n in range(10)]
    locked = await post_login(http, owner.email, owner.password)
    unknown_locked = [await post_login(http, "ghost@example.com", "x") for _ in range(11)][-1]
    fine = await post_login(http, other.email, other.password)

    assert [r.status_code for r in failures] == [401] * 10
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text
    assert locked.headers["retry-after"] == "900"
    assert unknown_locked.status_code == 429  # the same answer: it says nothing of existence
    assert fine.status_code == 303


async def test_fifty_failures_from_one_address_lock_every_login_from_it(
    http: httpx.AsyncClient, make_account: MakeAccount, make_user: MakeUser
) -> None:
    owner = await make_user((await make_account()).id)

    for n in range(50):
        assert (await post_login(http, f"guess{n}@example.com", "x")).status_code == 401
    locked = await post_login(http, owner.email, owner.password)

    assert locked.status_code == 429


async def test_logout_deletes_the_session(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser
) -> None:
    owner = await make_user((await make_account()).id)
    client = await dashboard(owner)
    cookie = client.http.cookies["humanadd_session"]

    response = await client.post("/dashboard/logout")
    client.http.cookies.set("humanadd_session", cookie)
    after = await client.get("/dashboard/overview")

    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/login"
    assert after.status_code == 303
    assert after.headers["location"] == "/dashboard/login?next=%2Fdashboard%2Foverview"


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ({"Origin": "https://evil.example"}, True),
        ({"Sec-Fetch-Site": "cross-site", "Origin": ORIGIN}, True),
        ({"Sec-Fetch-Site": "same-site", "Origin": ORIGIN}, True),
        ({}, True),  # neither header: no browser's form
        ({"Origin": ORIGIN}, False),
    ],
    ids=["foreign-origin", "cross-site", "same-site", "no-headers", "no-token"],
)
async def test_a_form_from_elsewhere_or_without_the_token_is_403_and_changes_nothing(
    dashboard: OpenDashboard,
    make_account: MakeAccount,
    make_user: MakeUser,
    headers: dict[str, str],
    token: bool,
) -> None:
    owner = await make_user((await make_account()).id)
    client = await dashboard(owner)

    response = await client.http.post(
        "/dashboard/logout",
        data={"csrf_token": client.csrf_token if token else "forged"},
        headers=headers,
    )

    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert (await client.get("/dashboard/overview")).status_code == 200  # still logged in


async def test_the_login_form_needs_its_pre_session_token(
    http: httpx.AsyncClient, make_account: MakeAccount, make_user: MakeUser
) -> None:
    owner = await make_user((await make_account()).id)

    response = await http.post(
        "/dashboard/login",
        data={"csrf_token": "made-up", "email": owner.email, "password": owner.password},
        headers={"Origin": ORIGIN},
    )

    assert response.status_code == 403


async def test_an_idle_or_too_old_session_ends(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser, services: Services
) -> None:
    account = await make_account()
    idle_user, old_user = await make_user(account.id), await make_user(account.id)
    idle, old = await dashboard(idle_user), await dashboard(old_user)
    now = utcnow()
    async with services.sessions.begin() as session:
        for user, changes in (
            (idle_user, {"last_seen_at": now - timedelta(minutes=121)}),
            (old_user, {"created_at": now - timedelta(hours=12, minutes=1)}),
        ):
            found = await users.require(session, user.email)
            await session.execute(
                update(DashboardSession)
                .where(DashboardSession.user_id == found.id)
                .values(**changes)
            )

    assert (await idle.get("/dashboard/overview")).status_code == 303
    assert (await old.get("/dashboard/overview")).status_code == 303


async def test_a_password_change_ends_the_users_other_sessions_and_disabling_ends_all(
    dashboard: OpenDashboard, make_account: MakeAccount, make_user: MakeUser, services: Services
) -> None:
    owner = await make_user((await make_account()).id)
    first, second, third = [await dashboard(owner) for _ in range(3)]

    async with services.sessions.begin() as session:
        await users.set_password(
            session,
            owner.email,
            "a brand new password",
            actor="test",
            keep_session=first.http.cookies["humanadd_session"],
        )

    assert (await first.get("/dashboard/overview")).status_code == 200
    assert (await second.get("/dashboard/overview")).status_code == 303
    assert (await third.get("/dashboard/overview")).status_code == 303
    async with services.sessions.begin() as session:
        await users.disable(session, owner.email, actor="test")
        user = await users.require(session, owner.email)
        left = (
            await session.execute(
                select(func.count())
                .select_from(DashboardSession)
                .where(DashboardSession.user_id == user.id)
            )
        ).scalar_one()
    assert (await first.get("/dashboard/overview")).status_code == 303
    assert left == 0
    disabled = TestUser(owner.email, "a brand new password", "owner", owner.account_id)
    async with services.sessions() as session:
        assert await users.check_login(session, disabled.email, disabled.password) is None


async def test_next_leads_only_to_dashboard_pages(
    http: httpx.AsyncClient, make_account: MakeAccount, make_user: MakeUser
) -> None:
    owner = await make_user((await make_account()).id)
    page = await http.get("/dashboard/login?next=//evil.example/x")

    response = await http.post(
        "/dashboard/login",
        data={"csrf_token": csrf_of(page.text), "email": owner.email,
              "password": owner.password, "next": "https://evil.example/"},
        headers={"Origin": ORIGIN},
    )  # fmt: skip

    assert 'name="next" value="/dashboard"' in page.text
    assert response.headers["location"] == "/dashboard"


async def test_every_page_carries_the_security_headers(
    http: httpx.AsyncClient,
) -> None:
    for path in ("/", "/dashboard", "/dashboard/login", "/dashboard/no-such-page"):
        response = await http.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
    missing = await http.get("/dashboard/no-such-page")
    assert missing.status_code == 404
    assert "text/html" in missing.headers["content-type"]
    assert (await http.get("/")).headers["location"] == "/dashboard"


async def test_no_log_line_holds_a_password_or_session_id(
    http: httpx.AsyncClient,
    make_account: MakeAccount,
    make_user: MakeUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner = await make_user((await make_account()).id)
    caplog.set_level(logging.DEBUG)

    await post_login(http, owner.email, "wrong-password-text")
    response = await post_login(http, owner.email, owner.password)
    await http.get("/dashboard/overview")

    cookie = http.cookies["humanadd_session"]
    text = "\n".join(str(record.__dict__) for record in caplog.records)
    assert response.status_code == 303
    assert owner.password not in text
    assert "wrong-password-text" not in text
    assert cookie not in text
