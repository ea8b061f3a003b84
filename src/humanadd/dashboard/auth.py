"""Who is looking at a dashboard page, what they may see, and the CSRF checks of every form.

- The session cookie holds a random id only (`users.service`); `viewer` resolves it or sends
  the browser to the login page.
- `account_page` decides whose account a page shows: a customer's own; for an operator, the
  one named by `?account=` (chosen on the Accounts page).
- `form` reads a POSTed form only when `Sec-Fetch-Site`/`Origin` say it comes from our own
  pages and its `csrf_token` is the session's (docs/dashboard.md, "Sessions and CSRF").
"""

import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Request
from starlette.datastructures import FormData

from humanadd.accounts.models import Plan
from humanadd.config import Settings
from humanadd.dashboard.errors import Forbidden, LoginRequired, PageError, PageNotFound
from humanadd.db import utcnow
from humanadd.dependencies import ServicesDep
from humanadd.users import service as users
from humanadd.users.models import Role

SESSION_COOKIE = "humanadd_session"
LOGIN_CSRF_COOKIE = "humanadd_login_csrf"
"""The login form's token before there is a session: the same random value in this cookie
and in the form (the form cannot be posted from another site, which cannot read the cookie)."""
FORM_LIMIT = 2 * 1024 * 1024
"""The largest form a page takes: a knowledge-base change of 100,000 characters, as the API
takes, even with every character percent-encoded (the API's body limit too)."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The logged-in user of this request."""

    user_id: int
    email: str
    role: Role
    account_id: str | None
    csrf_token: str
    cookie: str

    @property
    def is_operator(self) -> bool:
        return self.role is Role.OPERATOR

    @property
    def actor(self) -> str:
        """How audit rows name this user (`users.service.actor_email` reads it back)."""
        return users.actor_of(self.user_id)


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """What every page shows of its account."""

    id: str
    name: str
    plan: str
    timezone: str


@dataclass(frozen=True, slots=True)
class AccountPage:
    """A page about one account: who looks at it, and the account."""

    viewer: Viewer
    account: AccountSummary

    @property
    def enterprise(self) -> bool:
        return self.account.plan == Plan.ENTERPRISE

    @property
    def can_manage(self) -> bool:
        """Owners and operators change settings; members only look."""
        return self.viewer.role in (Role.OWNER, Role.OPERATOR)

    def url(self, path: str, **query: str | int | None) -> str:
        """`path` with `query` (None values left out), naming the account for an operator."""
        pairs = {name: value for name, value in query.items() if value not in (None, "")}
        if self.viewer.is_operator:
            pairs = {"account": self.account.id, **pairs}
        return f"{path}?{urlencode(pairs)}" if pairs else path


def session_lifetimes(settings: Settings) -> tuple[timedelta, timedelta]:
    """(Idle expiry, absolute expiry) of a dashboard session."""
    return (
        timedelta(minutes=settings.dashboard_idle_minutes),
        timedelta(hours=settings.dashboard_session_hours),
    )


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


@dataclass(frozen=True, slots=True)
class _Login:
    viewer: Viewer
    account: AccountSummary | None
    """The account named by `?account=`, else the user's own; None when there is neither."""


async def _login(request: Request, services: ServicesDep) -> _Login:
    """The request's session, user and account in one read on the driver (every page makes
    it); a session's end or its last use, when due, is written in a short transaction of its
    own, so that the request's own transaction holds no write lock (on SQLite a page that
    commits work of its own before answering, a test event sent while it waits, would wait on
    itself)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    row = None
    if cookie:
        row = await users.look_up(services.reader, cookie, request.query_params.get("account"))
    if row is not None:
        idle, lifetime = session_lifetimes(services.settings)
        now = utcnow()
        state = users.state(row, now, idle=idle, lifetime=lifetime)
        if state != "live":
            async with services.sessions.begin() as session:
                if state == "expired":
                    await users.end_session(session, row.id_hash)
                else:
                    await users.touch(session, row.id_hash, now)
        if state != "expired":
            assert cookie is not None
            who = Viewer(
                user_id=row.user_id,
                email=row.email,
                role=Role(row.role),
                account_id=row.user_account_id,
                csrf_token=row.csrf_token,
                cookie=cookie,
            )
            account = None
            if row.account_id is not None:
                account = AccountSummary(row.account_id, row.account_name, row.plan, row.timezone)
            return _Login(who, account)
    raise LoginRequired(_here(request) if request.method == "GET" else "/dashboard")


LoginDep = Annotated[_Login, Depends(_login)]


async def viewer(login: LoginDep) -> Viewer:
    """The logged-in user, else `LoginRequired` (the login page, then back here)."""
    return login.viewer


ViewerDep = Annotated[Viewer, Depends(viewer)]


async def account_page(request: Request, login: LoginDep) -> AccountPage:
    """The account this page shows. A customer sees only their own: naming another account is
    a 404, as if it did not exist. An operator names one with `?account=`."""
    who = login.viewer
    named = request.query_params.get("account")
    if who.is_operator and not named:
        raise PageError("Choose an account on the Accounts page first.")
    if not who.is_operator and named and named != who.account_id:
        raise PageNotFound("There is no such account.")
    if login.account is None:
        raise PageNotFound("There is no such account.")
    return AccountPage(who, login.account)


AccountPageDep = Annotated[AccountPage, Depends(account_page)]


async def operator(who: ViewerDep) -> Viewer:
    if not who.is_operator:
        raise Forbidden("This page is for humanadd's operators only.")
    return who


OperatorDep = Annotated[Viewer, Depends(operator)]


def require_manager(page: AccountPage) -> None:
    """Owners and operators only: a member's attempt is 403."""
    if not page.can_manage:
        raise Forbidden("Only the account's owner can do this; members can look but not change.")


def require_enterprise(page: AccountPage, feature: str) -> None:
    if not page.enterprise:
        raise Forbidden(f"{feature} is available on the Enterprise plan.")


def check_origin(request: Request, settings: Settings) -> None:
    """Refuse a POST that a browser says came from another site (Fetch Metadata first, then
    `Origin`); a request with neither header is no browser's form post and is refused too."""
    fetch_site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    public = urlsplit(settings.public_url)
    ours = f"{public.scheme}://{public.netloc}"
    if fetch_site is not None:
        if fetch_site not in ("same-origin", "none"):
            raise Forbidden("This form was sent from another site.")
        if origin is None or origin == ours:
            return
    if origin != ours:
        raise Forbidden("This form was not sent from this dashboard's own pages.")


async def _read_form(request: Request) -> FormData:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > FORM_LIMIT:
        raise PageError(f"The form is larger than {FORM_LIMIT // 1024} KiB.")
    try:
        return await request.form(max_files=0, max_fields=100, max_part_size=FORM_LIMIT)
    except Exception as error:  # python-multipart's and Starlette's own errors
        raise PageError("The form could not be read.") from error


def _same(sent: object, expected: str) -> bool:
    return isinstance(sent, str) and hmac.compare_digest(sent.encode(), expected.encode())


async def form(request: Request, who: ViewerDep, services: ServicesDep) -> FormData:
    """The POSTed form of a logged-in user, checked against cross-site requests."""
    check_origin(request, services.settings)
    data = await _read_form(request)
    if not _same(data.get("csrf_token"), who.csrf_token):
        raise Forbidden(
            "This form has expired or was not sent from this dashboard. Reload the page."
        )
    return data


FormDep = Annotated[FormData, Depends(form)]


async def login_form(request: Request, services: ServicesDep) -> FormData:
    """The login form, checked with the pre-session token."""
    check_origin(request, services.settings)
    data = await _read_form(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or not _same(data.get("csrf_token"), expected):
        raise Forbidden("The login form has expired. Reload the page and try again.")
    return data


LoginFormDep = Annotated[FormData, Depends(login_form)]


def field(data: FormData, name: str) -> str:
    """A text field of a form ('' when missing; a file is no text)."""
    value = data.get(name)
    return value if isinstance(value, str) else ""
