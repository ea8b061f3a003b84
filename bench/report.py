"""Ratios, targets, the console table and docs/benchmarks.md."""

from dataclasses import dataclass
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
    "bare_fastapi": "FastAPI alone (floor)",
    "bare": "bare ASGI (HTTP limit)",
}
REFERENCES = ("handwritten", "handwritten_sqlalchemy", "bare_fastapi", "bare")


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


def find(
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
    other = find(measurements, measurement.database, measurement.endpoint, reference)
    if other is None or other.result.requests_per_second == 0:
        return None
    return measurement.result.requests_per_second / other.result.requests_per_second


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def table_row(measurements: list[Measurement], m: Measurement) -> list[str]:
    return [
        m.database,
        m.endpoint,
        SERVER_LABELS[m.server],
        f"{m.result.requests_per_second:,.0f}",
        f"{m.result.p50_ms:.2f}",
        f"{m.result.p99_ms:.2f}",
        *(percent(ratio(measurements, m, reference)) for reference in REFERENCES),
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
    "vs FastAPI alone",
    "vs bare",
    "body bytes",
]


def console_line(m: Measurement) -> str:
    return (
        f"{m.endpoint:<7} {SERVER_LABELS[m.server]:<24} {m.result.requests_per_second:>9,.0f} req/s"
        f"  p50 {m.result.p50_ms:8.2f} ms  p99 {m.result.p99_ms:8.2f} ms"
    )


def ordered(measurements: list[Measurement]) -> list[Measurement]:
    order = {"list": 0, "detail": 1, "stats": 2, "real": 0, "handwritten": 1}
    order |= {"handwritten_sqlalchemy": 2, "bare_fastapi": 3, "bare": 4}
    return sorted(measurements, key=lambda m: (m.database, order[m.endpoint], order[m.server]))


def console_table(measurements: list[Measurement]) -> str:
    rows = [HEADER] + [table_row(measurements, m) for m in ordered(measurements)]
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
            real = find(measurements, database, endpoint, "real")
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
                    f"{database} {endpoint}: {percent(share)} of the throughput of the "
                    f"{SERVER_LABELS[reference]} reference (target ≥ {LIST_DETAIL_TARGET:.0%}): "
                    f"{verdict}"
                )
    stats = find(measurements, "postgres", "stats", "real")
    if "postgres" not in {m.database for m in measurements}:
        pass
    elif stats is None:
        lines.append("postgres stats: not measured")
    else:
        verdict = "met" if stats.result.p50_ms < STATS_P50_TARGET_MS else "MISSED"
        lines.append(
            f"postgres stats: p50 {stats.result.p50_ms:.1f} ms "
            f"(target < {STATS_P50_TARGET_MS:.0f} ms): {verdict}"
        )
    return lines
