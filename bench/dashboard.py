"""The dashboard's pages against the API's own endpoints, in one run (issue 13, requirement 11).

Server time only: each request goes to the real app in this process over ASGI (no sockets,
no HTTP parsing), as the owner of the benchmark's largest account for the pages and with its
API key for the API, in alternation so that both see the same machine. Reported as p50 ratios:

- the Calls page against `GET /api/v1/calls` (target ≤ 2x),
- a call's detail page against `GET /api/v1/calls/{id}` (target ≤ 2x),
- Overview (30 days) against `GET /api/v1/stats?days=30` (target ≤ 1.2x).
"""

import asyncio
import re
import secrets
import statistics
import time
from dataclasses import dataclass

import httpx

from humanadd.app import create_app
from humanadd.config import Settings
from humanadd.db import create_engine, session_factory
from humanadd.users import service as users
from humanadd.users.errors import UserError

OWNER_EMAIL = "owner@bench.example"
ORIGIN = "http://127.0.0.1:8000"
PAGE_TARGETS = {"Calls page": 2.0, "call detail page": 2.0, "Overview": 1.2}


@dataclass(frozen=True)
class Pair:
    page: str
    page_p50_ms: float
    api: str
    api_p50_ms: float

    @property
    def ratio(self) -> float:
        return self.page_p50_ms / self.api_p50_ms

    def line(self) -> str:
        target = PAGE_TARGETS[self.page]
        verdict = "met" if self.ratio <= target else "MISSED"
        return (
            f"{self.page}: {self.page_p50_ms:.1f} ms p50 = {self.ratio:.2f}x {self.api} "
            f"({self.api_p50_ms:.1f} ms); target ≤ {target}x: {verdict}"
        )


async def _owner_password(url: str, account_id: str) -> str:
    password = secrets.token_urlsafe(16)
    engine = create_engine(url)
    try:
        async with session_factory(engine).begin() as session:
            try:
                await users.require(session, OWNER_EMAIL)
            except UserError:
                await users.create(session, email=OWNER_EMAIL, password=password, role="owner",
                                   account_id=account_id, actor="bench")  # fmt: skip
            else:
                await users.set_password(session, OWNER_EMAIL, password, actor="bench")
    finally:
        await engine.dispose()
    return password


async def _log_in(http: httpx.AsyncClient, password: str) -> None:
    page = await http.get("/dashboard/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = await http.post(
        "/dashboard/login",
        data={"csrf_token": token.group(1), "email": OWNER_EMAIL, "password": password},
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 303, response.text


async def _time(http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    response = await http.get(url, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code, response.text[:200])
    return elapsed


async def _measure(
    url: str, account_id: str, api_key: str, call_id: str, rounds: int
) -> list[Pair]:
    settings = Settings(database_url=url, rate_limit_per_minute=100_000_000, public_url=ORIGIN)
    app = create_app(settings)
    password = await _owner_password(url, account_id)
    pairs = [
        ("Calls page", "/dashboard/calls", "GET /calls", "/api/v1/calls", rounds),
        ("call detail page", f"/dashboard/calls/{call_id}", "GET /calls/{id}",
         f"/api/v1/calls/{call_id}", rounds),
        ("Overview", "/dashboard/overview?days=30", "GET /stats?days=30",
         "/api/v1/stats?days=30", max(5, rounds // 10)),
    ]  # fmt: skip
    results = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
            await _log_in(http, password)
            api_headers = {"Authorization": f"Bearer {api_key}"}
            for page, page_url, api, api_url, count in pairs:
                for _warm in range(3):
                    await _time(http, page_url, {})
                    await _time(http, api_url, api_headers)
                page_times, api_times = [], []
                for _ in range(count):
                    page_times.append(await _time(http, page_url, {}))
                    api_times.append(await _time(http, api_url, api_headers))
                results.append(
                    Pair(page, statistics.median(page_times), api, statistics.median(api_times))
                )
    return results


def measure(url: str, account_id: str, api_key: str, call_id: str, rounds: int = 200) -> list[Pair]:
    """The three page/API pairs for this account, `rounds` requests each (stats: a tenth)."""
    return asyncio.run(_measure(url, account_id, api_key, call_id, rounds))
