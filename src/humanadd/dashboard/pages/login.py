"""`/dashboard/login` and `/dashboard/logout`."""

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from humanadd.config import Settings
from humanadd.dashboard.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    FormDep,
    LoginFormDep,
    ViewerDep,
    field,
    session_lifetimes,
)
from humanadd.dashboard.errors import TooManyAttempts
from humanadd.dashboard.templating import render
from humanadd.dependencies import ServicesDep, SessionDep
from humanadd.ratelimit import LOGIN_WINDOW_MINUTES
from humanadd.users import service as users

router = APIRouter()

WRONG = "The email or password is not right."
"""The one error of a refused login: it never says which, nor whether the email exists."""
LOCKED = (
    f"Too many failed logins. Wait {LOGIN_WINDOW_MINUTES} minutes and try again, or ask the "
    "account's owner or humanadd's support to reset the password."
)


def _next_path(value: str) -> str:
    """Only a dashboard path of ours: never another site (`//evil.example`)."""
    if value.startswith("/dashboard") and not value.startswith("//"):
        return value
    return "/dashboard"


_COOKIE_PATHS = {SESSION_COOKIE: "/", LOGIN_CSRF_COOKIE: "/dashboard"}


def _cookie(
    response: Response,
    settings: Settings,
    name: str,
    value: str | None = None,
    max_age: int | None = None,
) -> None:
    """Set one of our two cookies, or delete it without `value`. Both are HttpOnly,
    SameSite=Lax, on their own path, and Secure when the public URL is https (a plain-http
    development server keeps working)."""
    secure = settings.public_url.startswith("https://")
    path = _COOKIE_PATHS[name]
    if value is None:
        response.delete_cookie(name, path=path, secure=secure, httponly=True, samesite="lax")
    else:
        response.set_cookie(
            name, value, max_age=max_age, path=path, secure=secure, httponly=True, samesite="lax"
        )


def _login_page(
    request: Request, next_path: str, email: str = "", error: str | None = None, status: int = 200
) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"csrf_token": token, "next_path": next_path, "email": email, "error": error},
        status_code=status,
    )
    _cookie(response, request.app.state.services.settings, LOGIN_CSRF_COOKIE, token)
    return response


@router.get("/login")
async def login_page(request: Request) -> Response:
    """The login form; `?next=` is where it leads after logging in."""
    return _login_page(request, _next_path(request.query_params.get("next", "/dashboard")))


@router.post("/login")
async def log_in(
    request: Request, data: LoginFormDep, services: ServicesDep, session: SessionDep
) -> Response:
    """Check the email and password; on success a new session, then the page asked for."""
    email = users.normalise_email(field(data, "email"))
    next_path = _next_path(field(data, "next"))
    address = request.client.host if request.client else "unknown"
    limiter = services.rate_limiter
    if await limiter.login_locked(email, address):
        raise TooManyAttempts(LOCKED, headers={"Retry-After": str(LOGIN_WINDOW_MINUTES * 60)})
    user = await users.check_login(session, email, field(data, "password"))
    if user is None:
        await limiter.count_login_failure(email, address)
        return _login_page(request, next_path, email, WRONG, status=401)
    cookie = await users.open_session(session, user)
    response = RedirectResponse(next_path, status_code=303)
    _idle, lifetime = session_lifetimes(services.settings)
    _cookie(response, services.settings, SESSION_COOKIE, cookie, int(lifetime.total_seconds()))
    _cookie(response, services.settings, LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def log_out(
    who: ViewerDep, _data: FormDep, services: ServicesDep, session: SessionDep
) -> Response:
    """End this session and go back to the login page."""
    await users.close_session(session, who.cookie)
    response = RedirectResponse("/dashboard/login", status_code=303)
    _cookie(response, services.settings, SESSION_COOKIE)
    return response
