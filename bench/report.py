"""Ratios, targets, the console table and docs/benchmarks.md."""

import os
import platform
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.wrk import WrkResult

LIST_DETAIL_TARGET = 0.60
"""List and detail: at least this share of the hand-written reference's throughput."""
STATS_P50_TARGET_MS = 250.0
"""Stats on PostgreSQL: p50 below this."""
SERVER_LABELS = {
    "real": "humanadd",
    "handwritten": "hand-written, driver",
    "handwritten_sqlalchemy": "hand-written, SQLAlchemy",
    "bare": "bare ASGI (HTTP limit)",
}
REFERENCES = ("handwritten", "handwritten_sqlalchemy", "bare")
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
class Endpoint:
    name: str
    path: str
    connections: int


@dataclass(frozen=True)
class Measurement:
    database: str
    endpoint: str
    server: str
    result: WrkResult
    body_bytes: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "endpoint": self.endpoint,
            "server": self.server,
            "requests_per_second": self.result.requests_per_second,
            "requests": self.result.requests,
            "p50_ms": self.result.p50_ms,
            "p99_ms": self.result.p99_ms,
            "failures": self.result.failures,
            "body_bytes": self.body_bytes,
        }


@dataclass(frozen=True)
class RunInfo:
    """What the report needs to know about how the run was made."""

    command: str
    scale: float
    seconds: float
    warmup_seconds: float
    connections: int
    stats_connections: int
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


def _find(
    measurements: list[Measurement], database: str, endpoint: str, server: str
) -> Measurement | None:
    for measurement in measurements:
        if (measurement.database, measurement.endpoint, measurement.server) == (
            database,
            endpoint,
            server,
        ):
            return measurement
    return None


def ratio(
    measurements: list[Measurement], measurement: Measurement, reference: str
) -> float | None:
    """Throughput of `measurement` over the `reference` server's on the same endpoint.

    Shown for the real app against every reference, and for the references against bare.
    """
    if measurement.server == reference or (measurement.server != "real" and reference != "bare"):
        return None
    other = _find(measurements, measurement.database, measurement.endpoint, reference)
    if other is None or other.result.requests_per_second == 0:
        return None
    return measurement.result.requests_per_second / other.result.requests_per_second


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _row(measurements: list[Measurement], m: Measurement) -> list[str]:
    return [
        m.database,
        m.endpoint,
        SERVER_LABELS[m.server],
        f"{m.result.requests_per_second:,.0f}",
        f"{m.result.p50_ms:.2f}",
        f"{m.result.p99_ms:.2f}",
        *(_percent(ratio(measurements, m, reference)) for reference in REFERENCES),
        f"{m.body_bytes:,}",
    ]


HEADER = [
    "database",
    "endpoint",
    "server",
    "req/s",
    "p50 ms",
    "p99 ms",
    "vs driver ref.",
    "vs SQLAlchemy ref.",
    "vs bare",
    "body bytes",
]


def console_line(m: Measurement) -> str:
    return (
        f"{m.endpoint:<7} {SERVER_LABELS[m.server]:<24} {m.result.requests_per_second:>9,.0f} req/s"
        f"  p50 {m.result.p50_ms:8.2f} ms  p99 {m.result.p99_ms:8.2f} ms"
    )


def _ordered(measurements: list[Measurement]) -> list[Measurement]:
    order = {"list": 0, "detail": 1, "stats": 2, "real": 0, "handwritten": 1}
    order |= {"handwritten_sqlalchemy": 2, "bare": 3}
    return sorted(measurements, key=lambda m: (m.database, order[m.endpoint], order[m.server]))


def console_table(measurements: list[Measurement]) -> str:
    rows = [HEADER] + [_row(measurements, m) for m in _ordered(measurements)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADER))]
    return "\n".join(
        "  ".join(
            cell.rjust(width) if index >= 3 else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


def verdicts(measurements: list[Measurement]) -> list[str]:
    """One line per target: what was measured and whether it is met."""
    lines = []
    for database in sorted({m.database for m in measurements}):
        for endpoint in ("list", "detail"):
            real = _find(measurements, database, endpoint, "real")
            for reference in ("handwritten", "handwritten_sqlalchemy"):
                share = None if real is None else ratio(measurements, real, reference)
                verdict = (
                    "not measured"
                    if share is None
                    else "met"
                    if share >= LIST_DETAIL_TARGET
                    else "MISSED"
                )
                lines.append(
                    f"{database} {endpoint}: {_percent(share)} of the throughput of the "
                    f"{SERVER_LABELS[reference]} reference (target ≥ {LIST_DETAIL_TARGET:.0%}): "
                    f"{verdict}"
                )
    stats = _find(measurements, "postgres", "stats", "real")
    if stats is None:
        lines.append("postgres stats: not measured")
    else:
        verdict = "met" if stats.result.p50_ms < STATS_P50_TARGET_MS else "MISSED"
        lines.append(
            f"postgres stats: p50 {stats.result.p50_ms:.1f} ms "
            f"(target < {STATS_P50_TARGET_MS:.0f} ms): {verdict}"
        )
    return lines


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


def markdown(
    run: RunInfo,
    datasets: dict[str, DatasetInfo],
    measurements: list[Measurement],
) -> str:
    now = datetime.now(UTC)
    scale_note = (
        ""
        if run.scale == 1.0
        else f"\n> **Reduced run** (`--scale {run.scale}`): not the size issue 2 asks for.\n"
    )
    rows = [HEADER] + [_row(measurements, m) for m in _ordered(measurements)]
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
                "reused (cached)"
                if info.generated_seconds is None
                else f"{info.generated_seconds:.0f} s",
            ]
        )
    return f"""# Benchmarks

Throughput and latency of the public API under load, measured by `make bench`
(`bench/run.py`) on {now:%Y-%m-%d %H:%M} UTC. This file is written by that command; edit
`bench/report.py`, not this file.
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
  middleware and a JSON access-log line per request.
- **hand-written, driver** (`bench/references.py`): the reference issue 2 names — Starlette
  routing, the database driver used directly (asyncpg with a pool of 10, or aiosqlite with a
  pool of 5: the real app's SQLAlchemy pool sizes), one query per request — the same keyset
  query for the list (`WHERE account_id = ? ORDER BY started_at DESC, id DESC LIMIT 51`) and
  the same look-up by `(account_id, call_id)` for the detail — and orjson; no authentication,
  no rate limit, no logging. The list/detail target is judged against this one.
- **hand-written, SQLAlchemy**: the same endpoint, but reaching the same drivers through the
  app's own engine set-up (`humanadd.db.create_engine`: its pool, pre-ping and SQLite
  pragmas) with one Core text query per request. The gap between the two hand-written
  references is the price of the SQLAlchemy async layer alone; the gap between this one and
  humanadd is what the framework, authentication, rate limiting and serialisation add.
- Neither hand-written reference has a stats endpoint: stats are compared with bare only.
- **bare ASGI** (`bench/references.py`): no framework; it answers with the bytes the real app
  returned for the same request, captured just before measuring: the most this HTTP stack
  (uvicorn with uvloop and httptools) can serve on one core.
- The "vs" columns are throughput ratios (req/s) on the same endpoint and database within
  this run. p50/p99 are wrk's latency percentiles.

## Data set

{_markdown_table(data_rows, 1)}

Generated by `bench/generate.py` from a fixed seed: accounts and their API keys are created
with the real account service (so authentication is real), then calls, their tags and their
caller questions are bulk-loaded (COPY on PostgreSQL, `executemany` in large transactions on
SQLite) into the schema the migrations create. Account sizes follow a long-tailed distribution;
the largest (Enterprise, America/New_York) holds a tenth of all calls, all within the last 28
days, so all of them fall in the `/stats?days=30` window; the others' calls spread over 90 days.
Calls carry realistic values: inbound/outbound, missed calls with their disconnection reasons,
durations, sentiments, summaries, tags, `booked`, short multi-turn transcripts (text and
structured) and, for about half of them, caller questions for `topQuestions`. The databases are
kept in `bench/data/` (git-ignored) and reused while they still match the requested size; a new
key is issued to the largest account at every run.

## Method

- Server under test: one process, `taskset -c {run.server_core}`, uvicorn with uvloop and
  httptools (checked in the process's loaded libraries), on 127.0.0.1.
- Load: `taskset -c {run.client_core} wrk -t1 -c<N> -d{run.seconds:g}s --latency` with
  `Authorization: Bearer …` for the real app, after an unmeasured {run.warmup_seconds:g} s
  warm-up run; N = {run.connections} for the list and detail, {run.stats_connections} for stats
  (stats latency is what its target is about, so it is measured without queueing).
- Requests: `GET /api/v1/calls` (default limit 50, newest first), `GET /api/v1/calls/{{id}}`
  (a call with a transcript), `GET /api/v1/stats?days=30`, all for the largest account.
- Each server is started fresh for each database; PostgreSQL runs on the same machine,
  unpinned, and shares the cores with wrk.
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
`--connections 16`, `--stats-connections 1`, `--server-core 0`, `--client-core 1`,
`--regenerate` (rebuild the data set), `--output FILE`. `wrk` comes from Debian
(`apt-get install -y wrk`; the benchmark installs it when it is missing and it may). Runs below
full scale write their report to `bench/results/benchmarks.md` and keep their own databases.
"""
