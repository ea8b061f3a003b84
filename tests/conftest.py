"""Shared fixtures: a real database (SQLite by default, PostgreSQL when
`HUMANADD_TEST_DATABASE_URL` names one), the real app over ASGI, and account factories."""

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result
from fastapi import FastAPI
from sqlalchemy import Select, event
from sqlalchemy.engine import Dialect, make_url
from typer.testing import CliRunner

from humanadd import worker
from humanadd.analytics.embedding import Embedder
from humanadd.api.driver import compile_for
from humanadd.app import create_app
from humanadd.calls import repository as calls_repository
from humanadd.calls.records import CallRecord
from humanadd.cli.main import app as cli_app
from humanadd.config import Settings
from humanadd.db import Reader, Row
from humanadd.dependencies import Services
from humanadd.keys import service as keys
from humanadd.migrations import upgrade
from tests.openapi_check import OpenApiChecker
from tests.topics import store_asked
from tests.webhooks.receiver import Receiver


def pytest_configure(config: pytest.Config) -> None:
    """Every process of the suite (and the commands it runs) shares one built embedding table:
    building it takes half a minute."""
    cache = getattr(config, "cache", None)  # none with `-p no:cacheprovider`
    shared = (
        cache.mkdir("humanadd-models")
        if cache is not None
        else Path(tempfile.gettempdir()) / "humanadd-models"
    )
    os.environ.setdefault("HUMANADD_ANALYSIS_MODELS_DIR", str(shared))


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder(Path(os.environ["HUMANADD_ANALYSIS_MODELS_DIR"]))


RunAnalysis = Callable[[], Awaitable[None]]


@pytest.fixture
def run_analysis(services: Services, embedder: Embedder) -> RunAnalysis:
    """Run the worker's analysis job until no call is due (what `humanadd worker` does)."""

    async def run() -> None:
        await worker.analyse(services.sessions, embedder, once=True)

    return run


def _worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


async def _recreate_postgres_database(url: str) -> None:
    import asyncpg

    parsed = make_url(url)
    admin = await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        host=parsed.host,
        port=parsed.port or 5432,
        database="postgres",
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A freshly migrated database for this test process."""
    configured = os.environ.get("HUMANADD_TEST_DATABASE_URL")
    if configured and configured.startswith("postgresql"):
        parsed = make_url(configured)
        url = parsed.set(database=f"{parsed.database}_{_worker_suffix()}").render_as_string(
            hide_password=False
        )
        asyncio.run(_recreate_postgres_database(url))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    upgrade(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data", redis_url=None)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@asynccontextmanager
async def client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client on another app instance with these settings (another process, in effect)."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def require_redis_url() -> str:
    """The test Redis (HUMANADD_TEST_REDIS_URL): without one the test is skipped, or fails when
    HUMANADD_TEST_REQUIRE_SERVICES=1 (as in CI)."""
    url = os.environ.get("HUMANADD_TEST_REDIS_URL")
    if not url:
        if os.environ.get("HUMANADD_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail("HUMANADD_TEST_REDIS_URL is not set but services are required")
        pytest.skip("HUMANADD_TEST_REDIS_URL is not set")
    return url


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    """A customer's webhook receiver on 127.0.0.1, answering as the test's `answers` mark
    says (200 by default)."""
    marker = request.node.get_closest_marker("answers")
    started = Receiver(*(marker.args if marker else ())).start()
    yield started
    started.stop()


@pytest.fixture
def services(app: FastAPI) -> Services:
    result: Services = app.state.services
    return result


Statement = tuple[str, Any]
"""SQL as sent to the driver, and its parameters."""


@dataclass
class RecordingReader:
    """Passes every statement on to the app's real reader, and notes its SQL first."""

    inner: Reader
    dialect: Dialect
    statements: list[Statement]

    async def fetch(self, statement: Select[Any], params: Mapping[str, Any]) -> list[Row]:
        compiled = compile_for(statement, self.dialect)
        self.statements.append((compiled.sql, compiled.arguments(params)))
        return await self.inner.fetch(statement, params)

    async def close(self) -> None:
        await self.inner.close()


@pytest.fixture
def statements(services: Services) -> Iterator[list[Statement]]:
    """Every statement the app sends to the database from now on, on either path: the
    hot-path reader's (`humanadd.api.driver`) and the SQLAlchemy engine's."""
    seen: list[Statement] = []

    def record(*args: Any) -> None:
        seen.append((args[2], args[3]))

    services.reader = RecordingReader(services.reader, services.engine.dialect, seen)
    event.listen(services.engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(services.engine.sync_engine, "before_cursor_execute", record)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@dataclass
class TestAccount:
    __test__ = False

    id: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


MakeAccount = Callable[..., Awaitable[TestAccount]]
AddCalls = Callable[[TestAccount, list[CallRecord]], Awaitable[None]]


@pytest.fixture
def make_account(services: Services) -> MakeAccount:
    async def make(
        name: str = "Acme HVAC", plan: str = "enterprise", timezone: str = "UTC"
    ) -> TestAccount:
        async with services.sessions.begin() as session:
            account, key = await keys.open_account(
                session, name=name, plan=plan, timezone=timezone, actor="test"
            )
        return TestAccount(account.id, key)

    return make


@pytest.fixture
def add_calls(services: Services) -> AddCalls:
    """Stores the calls as they are, with their `questions` in topics the test decides
    (`tests.topics`): no analysis runs."""

    async def add(account: TestAccount, records: list[CallRecord]) -> None:
        async with services.sessions.begin() as session:
            for record in records:
                call_pk = await calls_repository.upsert(session, account.id, record)
                assert call_pk is not None
                if record.questions:
                    await store_asked(
                        session, account.id, call_pk, record.started_at, record.questions
                    )

    return add


@pytest.fixture(scope="session")
def openapi(database_url: str) -> OpenApiChecker:
    return OpenApiChecker(create_app(Settings(database_url=database_url)).openapi())


@dataclass
class Cli:
    """`humanadd` pointed at the test database through HUMANADD_* variables."""

    runner: CliRunner

    def run(self, *args: str) -> Result:
        return self.runner.invoke(cli_app, list(args), catch_exceptions=False)

    async def __call__(self, *args: str) -> Result:
        """Run in a worker thread: commands call asyncio.run, which a running loop forbids."""
        return await asyncio.to_thread(self.run, *args)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, settings: Settings, tmp_path: Path) -> Cli:
    monkeypatch.setenv("HUMANADD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HUMANADD_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("HUMANADD_REDIS_URL", raising=False)
    return Cli(CliRunner())
