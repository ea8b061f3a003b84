"""docs/benchmarks.md: the results, how they were measured, on what, and how to reproduce."""

import os
import platform
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bench.dashboard import Pair
from bench.providers import INGEST_TARGET, PROXY_TARGET, IngestResult, ProxyResult
from bench.references import POSTGRES_POOL_SIZE, SQLITE_POOL_SIZE
from bench.report import (
    HEADER,
    LIST_DETAIL_TARGET,
    Measurement,
    find,
    ordered,
    percent,
    table_row,
    verdicts,
)
from bench.webhooks import (
    LATENCY_P50_TARGET_MS,
    LATENCY_P99_TARGET_MS,
    RECEIVER_DELAY_SECONDS,
    THROUGHPUT_TARGET,
    WebhookResult,
)

PACKAGES = (
    "fastapi",
    "starlette",
    "pydantic",
    "uvicorn",
    "uvloop",
    "httptools",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "orjson",
    "limits",
)


@dataclass(frozen=True)
class RunInfo:
    """What the report needs to know about how the run was made."""

    command: str
    scale: float
    seconds: float
    warmup_seconds: float
    connections: int
    stats_connections: int
    rounds: int
    server_core: int
    client_core: int
    elapsed_seconds: float
    postgres_version: str | None


@dataclass(frozen=True)
class DatasetInfo:
    calls: int
    accounts: int
    largest_calls: int
    largest_in_window: int
    generated_seconds: float | None
    reused: bool


def _markdown_table(rows: list[list[str]], right_from: int) -> str:
    header, *body = rows
    align = ["---" if index < right_from else "---:" for index in range(len(header))]
    return "\n".join("| " + " | ".join(row) + " |" for row in [header, align, *body])


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_lines(run: RunInfo) -> list[str]:
    versions = ", ".join(f"{name} {version(name)}" for name in PACKAGES)
    return [
        f"- CPU: {_cpu_model()}, `nproc` = {os.cpu_count()}",
        f"- OS: {platform.system()} {platform.release()}, Python {sys.version.split()[0]}",
        f"- PostgreSQL: {run.postgres_version or 'not used'}; SQLite {sqlite3.sqlite_version}",
        f"- Packages: {versions}",
    ]


def _rps(measurements: list[Measurement], database: str, endpoint: str, server: str) -> float:
    found = find(measurements, database, endpoint, server)
    return 0.0 if found is None else found.result.requests_per_second


def _share(part: float, whole: float) -> str:
    return percent(part / whole if part and whole else None)


def _gap_section(measurements: list[Measurement]) -> str:
    """Where the list/detail time goes, and what the app does to stay within the target."""
    rows = [
        [
            "database",
            "endpoint",
            "bare ASGI",
            "FastAPI alone",
            "hand-written, driver",
            "budget",
            "humanadd",
            "humanadd's own work",
        ]
    ]
    for database in sorted({m.database for m in measurements}):
        for endpoint in ("list", "detail"):
            real, driver, floor, bare = (
                _rps(measurements, database, endpoint, server)
                for server in ("real", "handwritten", "bare_fastapi", "bare")
            )
            if not (real and driver and floor and bare):
                continue
            rows.append(
                [
                    database,
                    endpoint,
                    *(
                        f"{value:,.0f}"
                        for value in (
                            1e6 / bare,
                            1e6 / floor,
                            1e6 / driver,
                            1e6 / (driver * LIST_DETAIL_TARGET),
                            1e6 / real,
                            1e6 / real - 1e6 / driver,
                        )
                    ),
                ]
            )
    if len(rows) == 1:
        return ""
    return f"""## Where the list and detail time goes

Time per request on the server's core, in µs (1,000,000 / req/s), from the figures above:

{_markdown_table(rows, 2)}

- **bare ASGI**: the HTTP stack alone; **FastAPI alone**: FastAPI's routing, request and
  response handling with nothing else to do.
- **hand-written, driver**: the reference: the HTTP stack, Starlette's routing, one query,
  its rows and JSON.
- **budget**: what the target allows humanadd per request, the reference's time divided by
  {LIST_DETAIL_TARGET}; **humanadd**: what it takes.
- **humanadd's own work**: what it does beyond the reference: authentication, the rate
  limit, request ids and rate-limit headers, the access log, the list's query validation.
  Less than FastAPI alone would cost, because these two routes do not go through FastAPI's
  request handling (next list).

What keeps list and detail within the budget, with authentication, the rate limit, request
ids and access logs all included:

- **No FastAPI on the hot path.** FastAPI declares and documents both routes, but
  `api.middleware.Paths`, inside the request-id and access-log layer, serves them with
  the handler their route class (`api.auth.AuthenticatedRoute`) built: no FastAPI routing,
  exception middleware or dependency resolution. The list's ten query parameters are one
  pydantic model, validated in one step (`params.QueryRule`), where FastAPI took several
  times as long over them, field by field.
- **One statement for the detail.** The API-key look-up cannot be cached (a rotated key must
  be refused by every process on its next request), so the detail reads the call in the key
  look-up's own statement, outer-joined to the key's account. The list keeps two statements:
  its page is an index range in (started_at, call_id) order, and joined to the key it would
  need a lateral join, which SQLite lacks, to keep that order without sorting.
- **The statements run on the driver** (`humanadd.api.driver`: compiled once from the
  repositories' SQLAlchemy Core statements, on a pool of the driver's own connections,
  given back without a reset), and pages are written by orjson from row tuples.
- **A rate-limit hit costs the same whatever the limit.** `limits`' memory storage inserts
  each hit at the front of a list, in time proportional to the requests in the window:
  at this benchmark's raised limit, about 200,000 of them, 87 µs a hit.
  `ratelimit.WindowLogStorage` keeps each window in a deque, oldest first: 4 µs.
- **No long collector pauses.** `humanadd serve` freezes the objects built at start-up out of
  the garbage collector's view; before, a full collection walked them every few seconds
  under load, about 100 ms each, the detail route's p99.

"""


def ingest_line(result: IngestResult) -> str:
    return (
        f"ingest: {result.events:,} events in {result.seconds:.1f} s = "
        f"{result.events_per_second:,.0f} events/s ({result.failures} failed)"
    )


def proxy_line(result: ProxyResult) -> str:
    return (
        f"recording proxy: direct {result.direct_mb_per_second:,.0f} MB/s, proxied "
        f"{result.proxied_mb_per_second:,.0f} MB/s = {result.ratio:.0%}"
    )


def provider_verdicts(ingest: list[IngestResult], proxy: ProxyResult | None) -> list[str]:
    lines = []
    for result in ingest:
        if result.database == "postgres":
            met = result.events_per_second >= INGEST_TARGET and not result.failures
            lines.append(
                f"postgres ingest: {result.events_per_second:,.0f} events/s "
                f"(target ≥ {INGEST_TARGET:.0f}): {'met' if met else 'MISSED'}"
            )
    if proxy is not None:
        met = proxy.ratio >= PROXY_TARGET
        lines.append(
            f"recording proxy: {proxy.ratio:.0%} of a direct download's throughput "
            f"(target ≥ {PROXY_TARGET:.0%}): {'met' if met else 'MISSED'}"
        )
    return lines


def webhook_line(database: str, result: WebhookResult) -> str:
    return (
        f"webhooks ({database}): latency p50 {result.p50_ms:,.0f} ms, p99 {result.p99_ms:,.0f} ms; "
        f"{result.deliveries_per_second:,.0f} deliveries/s"
    )


def webhook_verdicts(results: list[tuple[str, WebhookResult]]) -> list[str]:
    lines = []
    for database, result in results:
        for label, value, target, met in (
            ("latency p50", f"{result.p50_ms:,.0f} ms", f"< {LATENCY_P50_TARGET_MS:,.0f} ms",
             result.p50_ms < LATENCY_P50_TARGET_MS),
            ("latency p99", f"{result.p99_ms:,.0f} ms", f"< {LATENCY_P99_TARGET_MS:,.0f} ms",
             result.p99_ms < LATENCY_P99_TARGET_MS),
            ("deliveries", f"{result.deliveries_per_second:,.0f}/s",
             f"≥ {THROUGHPUT_TARGET:,.0f}/s", result.deliveries_per_second >= THROUGHPUT_TARGET),
        ):  # fmt: skip
            lines.append(
                f"{database} webhook {label}: {value} (target {target}): "
                f"{'met' if met else 'MISSED'}"
            )
    return lines


def _webhook_section(results: list[tuple[str, WebhookResult]]) -> str:
    if not results:
        return ""
    rows = [["database", "events", "p50 ms", "p99 ms", "events (throughput)", "deliveries/s"]]
    rows += [
        [
            database,
            f"{result.latency_events:,}",
            f"{result.p50_ms:,.0f}",
            f"{result.p99_ms:,.0f}",
            f"{result.throughput_events:,}",
            f"{result.deliveries_per_second:,.0f}",
        ]
        for database, result in results
    ]
    return f"""## Outbound webhooks (issue 4)

{chr(10).join(f"- {line}" for line in webhook_verdicts(results))}

{_markdown_table(rows, 1)}

`bench/webhooks.py`, on an empty database of its own: `humanadd serve` and one `humanadd worker`
on the server core; a receiver (`bench/receiver.py`) answering each request after
{RECEIVER_DELAY_SECONDS * 1000:.0f} ms, and the sender, on the client core.

- **Latency**: signed `call_analyzed` events sent to `POST /ingest/retell`, 40 a second; for
  each, from just before it was sent to the arrival of its `call_ended` webhook at the receiver.
- **Throughput**: events written to the outbox while the worker is stopped; then the worker is
  started, and deliveries are counted per second from the first arrival to the last. The worker
  keeps up to 200 deliveries in flight.

"""


def _provider_section(ingest: list[IngestResult], proxy: ProxyResult | None) -> str:
    if not ingest and proxy is None:
        return ""
    rows = [["database", "events", "seconds", "events/s", "failed"]] + [
        [
            result.database,
            f"{result.events:,}",
            f"{result.seconds:.1f}",
            f"{result.events_per_second:,.0f}",
            f"{result.failures}",
        ]
        for result in ingest
    ]
    proxy_text = ""
    if proxy is not None:
        proxy_rows = [
            ["download", "MB/s (median)"],
            ["straight from the recording store", f"{proxy.direct_mb_per_second:,.0f}"],
            ["through the recording proxy", f"{proxy.proxied_mb_per_second:,.0f}"],
        ]
        proxy_text = f"""
### Recording proxy

{_markdown_table(proxy_rows, 1)}

One {proxy.size_bytes / 1e6:,.0f} MB recording, downloaded with curl (on the client core)
alternately straight from a local recording store (`bench/upstream.py`, a uvicorn app holding
the file in memory, on the client core too) and through `humanadd serve`'s
`GET /api/v1/calls/{{id}}/recording` (on the server core; its allowlist names the store).
The proxy reaches {proxy.ratio:.0%} of the direct download's throughput.
"""
    return f"""## Provider ingest and the recording proxy (issue 3)

{chr(10).join(f"- {line}" for line in provider_verdicts(ingest, proxy))}

### Ingest

{_markdown_table(rows, 1)}

`POST /ingest/retell` on `humanadd serve`: each call's signed `call_ended` then
`call_analyzed` event (distinct calls, transcripts with word timings, analysis with tags and
`booked`), sent by {ingest[0].clients if ingest else 0} concurrent senders from one process
on the client core
(`bench/providers.py`). Every event is verified, parsed, validated and stored with its tags and
caller questions in one transaction. Ingest and the proxy write, so they run on an empty,
migrated database of their own beside the data set, which stays as generated.
{proxy_text}
"""


def _dashboard_section(results: list[tuple[str, list[Pair]]]) -> str:
    if not results:
        return ""
    lines = [f"- {name} {pair.line()}" for name, pages in results for pair in pages]
    return f"""
## Dashboard pages (issue 13, requirement 11)

Server time of the dashboard's pages for the largest account against the API endpoint that
serves the same data, measured in one process over ASGI in alternation (`bench/dashboard.py`):
the Calls page against the list, a call's page against its detail, Overview (30 days) against
stats. The page pays for its session look-up and its HTML on top of the same reads.

{chr(10).join(lines)}

"""


def markdown(
    run: RunInfo,
    datasets: dict[str, DatasetInfo],
    measurements: list[Measurement],
    ingest: list[IngestResult] | None = None,
    proxy: ProxyResult | None = None,
    webhook_results: list[tuple[str, WebhookResult]] | None = None,
    dashboard_results: list[tuple[str, list[Pair]]] | None = None,
) -> str:
    now = datetime.now(UTC)
    scale_note = (
        ""
        if run.scale == 1.0
        else f"\n> **Reduced run** (`--scale {run.scale}`): not the size issue 2 asks for.\n"
    )
    rows = [HEADER] + [table_row(measurements, m) for m in ordered(measurements)]
    sections = (
        _gap_section(measurements)
        + _provider_section(ingest or [], proxy)
        + _webhook_section(webhook_results or [])
        + _dashboard_section(dashboard_results or [])
    )
    data_rows = [
        [
            "database",
            "calls",
            "accounts",
            "largest account",
            "its calls in the last 30 days",
            "generated in",
        ]
    ]
    for name, info in datasets.items():
        data_rows.append(
            [
                name,
                f"{info.calls:,}",
                f"{info.accounts:,}",
                f"{info.largest_calls:,}",
                f"{info.largest_in_window:,}",
                ("unknown" if info.generated_seconds is None else f"{info.generated_seconds:.0f} s")
                + (" (an earlier run; reused)" if info.reused else ""),
            ]
        )
    return f"""# Benchmarks

Throughput and latency of the public API under load, measured by `make bench`
(`bench/run.py`) on {now:%Y-%m-%d %H:%M} UTC. This file is written by that command; edit
`bench/document.py`, not this file.
{scale_note}
**These figures come from a shared 2-core virtual machine** on which other work was running at
the same time; they move by 10 to 20 % between runs. Ratios measured within one run (the "vs"
columns) are steadier than absolute numbers.

## Targets (issue 2, requirement 13)

{chr(10).join(f"- {line}" for line in verdicts(measurements))}

## Results

{_markdown_table(rows, 3)}

- **humanadd** is the real application (`humanadd serve`): FastAPI, API-key authentication
  against the database, the moving-window rate limiter (in memory; its limit raised to
  {100_000_000:,} a minute so it counts every request but refuses none), the request-id
  middleware and a JSON access-log line per request. The key look-up and the list and detail
  queries run on the driver (`humanadd.api.driver`), stats through SQLAlchemy; how list and
  detail are served is told below the targets' verdicts.
- **hand-written, driver** (`bench/references.py`): the reference issue 2 names — Starlette
  routing, the database driver used directly (asyncpg with a pool of {POSTGRES_POOL_SIZE}, or
  aiosqlite with a pool of {SQLITE_POOL_SIZE}: the real app's pool sizes), one query
  per request — the same keyset query as the app's first page for the list
  (`WHERE account_id = ? ORDER BY started_at DESC, call_id DESC LIMIT 51`) and the same
  look-up by `(account_id, call_id)` for the detail — and orjson; no authentication, no rate
  limit, no logging. The list/detail target is judged against this one.
- **hand-written, SQLAlchemy**: the same endpoint, but reaching the same drivers through the
  app's own engine set-up (`humanadd.db.create_engine`: its pool, `pool_recycle` and
  SQLite pragmas) with one Core text query per request. The gap between the two hand-written
  references is the price of the SQLAlchemy async layer alone; the gap between this one and
  humanadd is what the framework, authentication, rate limiting and serialisation add.
- Neither hand-written reference has a stats endpoint: stats are compared with bare only.
- **FastAPI alone** (`bench/references.py`): FastAPI, with the real app's settings, answering
  the three routes with the bytes the real app returned; nothing else. The floor of any
  FastAPI route on this HTTP stack.
- **bare ASGI** (`bench/references.py`): no framework; it answers with the bytes the real app
  returned for the same request, captured just before measuring: the most this HTTP stack
  (uvicorn with uvloop and httptools) can serve on one core.
- The "vs" columns are throughput ratios (req/s) on the same endpoint and database within
  this run. p50/p99 are wrk's latency percentiles.

{sections}## Data set

{_markdown_table(data_rows, 1)}

Generated by `bench/generate.py` from a fixed seed: accounts and their API keys are created
with the real account service (so authentication is real), then calls, their tags and their
caller questions are bulk-loaded (COPY on PostgreSQL, `executemany` in large transactions on
SQLite) into the schema the migrations create. Account sizes follow a long-tailed distribution;
the largest (Enterprise, America/New_York) holds a tenth of all calls, all within the last 28
days, so all of them fall in the `/stats?days=30` window; the others' calls spread over 90 days.
Calls start mostly in local business hours on weekdays and carry realistic values:
inbound/outbound, missed calls with their disconnection reasons, durations, sentiments,
summaries, tags, `booked`, short multi-turn transcripts (text and structured, about 0.7 KB
together, so a call row is about 1 KB and PostgreSQL keeps it inline) and, for about 70 % of
them, caller questions for `topQuestions` (about one question row per call overall). The
databases are kept in `bench/data/` (git-ignored) and reused while they still match the
requested size; a new key is issued to the largest account at every run.

## Method

- Server under test: one process, `taskset -c {run.server_core}`, uvicorn with uvloop and
  httptools (checked in the process's loaded libraries), on 127.0.0.1.
- Load: `taskset -c {run.client_core} wrk -t1 -c<N> -d<s> --timeout=10s --latency`, with
  `Authorization: Bearer …` for the real app; N = {run.connections} for the list and detail,
  {run.stats_connections} for stats (stats latency is what its target is about, so it is
  measured without queueing).
- All servers of a database run side by side (each idle while another is measured). For each
  endpoint every server gets an unmeasured {run.warmup_seconds:g} s warm-up run, then
  {run.seconds:g} s of measurement split into {run.rounds} interleaved rounds (the order
  rotating each round), so that a shared machine's background load falls on all of them alike.
  Throughput is requests over the whole measured time; p50 and p99 are the medians of the
  rounds' percentiles.
- Requests: `GET /api/v1/calls` (default limit 50, newest first), `GET /api/v1/calls/{{id}}`
  (a call with a transcript), `GET /api/v1/stats?days=30`, all for the largest account.
- Servers are started fresh for each database; PostgreSQL runs on the same machine, unpinned,
  and shares the cores with wrk.
- Raw results go to `bench/results/results.json`, server logs to `bench/results/logs/`.

## Machine

{chr(10).join(machine_lines(run))}
- This run: `{run.command}`, {run.elapsed_seconds / 60:.0f} minutes in all.

## Reproduce

```
make bench                                   # full size: 1,000,000 calls, SQLite and PostgreSQL
.venv/bin/python -m bench.run --scale 0.02   # a quick run on 20,000 calls
.venv/bin/python -m bench.run --help         # every option
```

Options: `--databases sqlite,postgres`, `--postgres-url URL` (or
`HUMANADD_BENCH_POSTGRES_URL`; default `postgresql+asyncpg://postgres@127.0.0.1:55432/humanadd_bench`,
dropped and rebuilt when it does not hold the expected data), `--seconds 10`, `--warmup 3`,
`--connections 16`, `--stats-connections 1`, `--rounds 5`, `--server-core 0`, `--client-core 1`,
`--regenerate` (rebuild the data set), `--output FILE`. `wrk` comes from Debian
(`apt-get install -y wrk`; the benchmark installs it when it is missing and it may). Runs below
full scale write their report to `bench/results/benchmarks.md` and keep their own databases.
"""
