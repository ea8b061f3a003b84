"""Dashboard fixtures: users, a logged-in HTTP client over ASGI (fast checks of every rule),
and for the browser tests a real `humanadd serve` and headless Chromium via Playwright.

Browser tests need Debian's `chromium` at CHROMIUM; without it they are skipped, or fail when
HUMANADD_TEST_REQUIRE_SERVICES=1 (as in CI). Playwright never downloads a browser here.
"""

import os
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, async_playwright

from humanadd.dependencies import Services
from humanadd.users import service as users
from tests.servers import Server, serve_environment, start_serve, stop_serve

CHROMIUM = Path("/usr/bin/chromium")
ORIGIN = "http://127.0.0.1:8000"
"""The public URL of the ASGI app under test (the settings' default): forms posted with the
`client` fixture come from it."""
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
"""Where the browser tests save the pages docs/dashboard.md shows, when HUMANADD_SCREENSHOTS=1."""


@dataclass
class TestUser:
    __test__ = False

    email: str
    password: str
    role: str
    account_id: str | None


MakeUser = Callable[..., Awaitable[TestUser]]


@pytest.fixture
def make_user(services: Services) -> MakeUser:
    """Creates a user: `await make_user(account.id, "owner")`, or `make_user(None,
    "operator")`; a unique email unless one is given."""

    async def make(
        account_id: str | None, role: str = "owner", email: str | None = None
    ) -> TestUser:
        email = email or f"{role}-{secrets.token_hex(4)}@example.com"
        password = secrets.token_urlsafe(12)
        async with services.sessions.begin() as session:
            await users.create(
                session,
                email=email,
                password=password,
                role=role,
                account_id=account_id,
                actor="test",
            )
        return TestUser(email, password, role, account_id)

    return make


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no form with a CSRF token on this page"
    return found.group(1)


async def post_login(
    http: httpx.AsyncClient, email: str, password: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """Fill in and send the login form as a browser would: its token, from our own origin
    unless `headers` say otherwise."""
    page = await http.get("/dashboard/login")
    return await http.post(
        "/dashboard/login",
        data={"csrf_token": csrf_of(page.text), "email": email, "password": password},
        headers=headers if headers is not None else {"Origin": ORIGIN},
    )


@dataclass
class Dashboard:
    """A browser-like client over ASGI: it logs in, then posts forms as our pages do."""

    http: httpx.AsyncClient
    csrf_token: str = ""

    async def log_in(self, user: TestUser) -> httpx.Response:
        response = await post_login(self.http, user.email, user.password)
        assert response.status_code == 303, response.text
        home = await self.http.get(
            "/dashboard/overview" if user.account_id else "/dashboard/accounts"
        )
        self.csrf_token = csrf_of(home.text)
        return response

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(url, **kwargs)

    async def post(
        self, url: str, data: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """POST a form with this session's CSRF token, from our own origin."""
        headers = {"Origin": ORIGIN, "Sec-Fetch-Site": "same-origin", **kwargs.pop("headers", {})}
        form = {"csrf_token": self.csrf_token, **(data or {})}
        return await self.http.post(url, data=form, headers=headers, **kwargs)


@pytest.fixture
async def dashboard(app: Any) -> AsyncIterator[Callable[[TestUser], Awaitable[Dashboard]]]:
    """`await dashboard(user)`: a client logged in as `user` (each call its own cookies)."""
    clients: list[httpx.AsyncClient] = []

    async def open_as(user: TestUser) -> Dashboard:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)
        clients.append(http)
        client = Dashboard(http)
        await client.log_in(user)
        return client

    yield open_as
    for http in clients:
        await http.aclose()


# --- the browser tests ---------------------------------------------------------------------


def require_chromium() -> None:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium): the browser tests need it"
        if os.environ.get("HUMANADD_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `humanadd serve` on the test database (its public URL is its own address);
    webhooks may go to a receiver on 127.0.0.1."""
    require_chromium()
    directory = tmp_path_factory.mktemp("dashboard-server")
    environment = serve_environment(database_url, directory / "data", None)
    environment.update(HUMANADD_WEBHOOKS_ALLOW_PRIVATE="1", HUMANADD_WEBHOOKS_ALLOW_INSECURE="1")
    server = start_serve(environment, directory / "serve.log")
    yield server
    stop_serve(server)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian Chromium."""
    require_chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
        )
        yield launched
        await launched.close()


@pytest.fixture
async def new_page(browser: Browser, live_server: Server) -> Callable[..., Awaitable[Page]]:
    """`await new_page()`: a page in a fresh browser context (its own cookies) on the live
    server; `new_page(width=375)` for a phone-sized window."""

    async def make(width: int = 1280, height: int = 900) -> Page:
        context = await browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        return await context.new_page()

    return make


async def log_in(page: Page, user: TestUser) -> None:
    """Log in through the login form, as a person would."""
    await page.goto("/dashboard/login")
    await page.get_by_label("Email").fill(user.email)
    await page.get_by_label("Password").fill(user.password)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(re.compile(r"/dashboard/(overview|accounts)"))


async def assert_accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    results = await Axe().run(page)
    violations = [
        violation
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert not violations, results.generate_report()


async def screenshot(page: Page, name: str) -> None:
    """Save the page for docs/dashboard.md when HUMANADD_SCREENSHOTS=1 (`make screenshots`)."""
    if os.environ.get("HUMANADD_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=False)
