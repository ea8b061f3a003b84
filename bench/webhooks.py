"""Issue 4's benchmark: outbound webhooks end to end, against real processes.

- **Latency**: `--latency-events` signed `call_analyzed` events sent to `humanadd serve`'s
  `POST /ingest/retell`, a few dozen a second; for each, the time from just before it was sent to
  its `call_ended` webhook's arrival at the receiver (p50, p99), with one `humanadd worker`.
- **Throughput**: `--throughput-events` events written to the outbox while the worker is
  stopped; then the worker is started and the receiver, answering each request after 200 ms,
  counts deliveries per second from the first arrival to the last.

`serve` and `worker` run on the server core, the receiver and the sender on the client core.
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from bench import providers, servers
from humanadd.config import Settings
from humanadd.db import create_engine, session_factory
from humanadd.providers.retell import signature
from humanadd.webhooks import service

ROOT = Path(__file__).resolve().parent.parent
LATENCY_P50_TARGET_MS = 1000.0
LATENCY_P99_TARGET_MS = 3000.0
THROUGHPUT_TARGET = 200.0
RECEIVER_DELAY_SECONDS = 0.2


@dataclass(frozen=True)
class WebhookResult:
    latency_events: int
    p50_ms: float
    p99_ms: float
    throughput_events: int
    deliveries_per_second: float


def _environment(database_url: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HUMANADD_")}
    environment.update(
        HUMANADD_DATABASE_URL=database_url,
        HUMANADD_RETELL_API_KEY=providers.API_KEY,
        HUMANADD_DATA_DIR=str(ROOT / "bench" / "data" / "var"),
        HUMANADD_WEBHOOKS_ALLOW_PRIVATE="1",
        HUMANADD_WEBHOOKS_ALLOW_INSECURE="1",
    )
    return environment


async def _configure(database_url: str, account_id: str, url: str) -> None:
    settings = Settings(
        database_url=database_url, webhooks_allow_private=True, webhooks_allow_insecure=True
    )
    engine = create_engine(database_url)
    try:
        async with session_factory(engine).begin() as session:
            await service.configure(
                session, settings, account_id, url=url, secret=None, actor="bench"
            )
    finally:
        await engine.dispose()


async def _fill_outbox(database_url: str, account_id: str, count: int) -> None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine).begin() as session:
            for number in range(count):
                call_id = f"call_outbox_{number}"
                payload = {"event": "call_ended", "call_id": call_id}
                await service.emit(session, account_id, "call_ended", payload, call_id)
    finally:
        await engine.dispose()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _send_analysed(url: str, count: int, per_second: float) -> dict[str, float]:
    """Signed call_analyzed events, `per_second` of them a second; when each was sent."""
    sent: dict[str, float] = {}
    now_ms = round(time.time() * 1000)
    async with httpx.AsyncClient(trust_env=False, timeout=30) as http:
        for number in range(count):
            call_id = f"call_latency_{time.time_ns():x}_{number}"
            call = providers._call(call_id, now_ms - 60_000, analysed=True)
            body = orjson.dumps({"event": "call_analyzed", "call": call})
            headers = {signature.HEADER: signature.sign(body, providers.API_KEY, now_ms)}
            sent[call_id] = time.time()
            response = await http.post(url, content=body, headers=headers)
            response.raise_for_status()
            await asyncio.sleep(1 / per_second)
    return sent


def _arrivals(receiver: servers.Server) -> dict[str, float]:
    status, body = servers.fetch(f"{receiver.base_url}/arrivals", {})
    assert status == 200
    arrivals: dict[str, float] = orjson.loads(body)
    return arrivals


def _wait_for(receiver: servers.Server, wanted: set[str], seconds: float) -> dict[str, float]:
    deadline = time.monotonic() + seconds
    while True:
        arrivals = _arrivals(receiver)
        if wanted <= arrivals.keys() or time.monotonic() > deadline:
            return arrivals
        time.sleep(0.2)


def measure_webhooks(
    database_url: str,
    *,
    latency_events: int,
    throughput_events: int,
    server_core: int,
    client_core: int,
    logs: Path,
) -> WebhookResult:
    account_id, _ = asyncio.run(providers._ingest_account(database_url))
    environment = _environment(database_url)
    receiver_port, serve_port = servers.free_port(), servers.free_port()
    receiver_command = [
        sys.executable, "-m", "bench.receiver", "--port", str(receiver_port),
        "--delay", str(RECEIVER_DELAY_SECONDS),
    ]  # fmt: skip
    serve_command = [
        sys.executable, "-m", "humanadd", "serve", "--host", servers.HOST,
        "--port", str(serve_port),
    ]  # fmt: skip
    worker_command = [sys.executable, "-m", "humanadd", "worker"]
    with (
        servers.running(
            "receiver", receiver_command, core=client_core, log=logs / "receiver.log"
        ) as receiver,
        servers.running(
            "ingest",
            serve_command,
            core=server_core,
            log=logs / "webhooks-serve.log",
            env=environment,
        ) as serve,
    ):
        asyncio.run(_configure(database_url, account_id, f"{receiver.base_url}/hooks"))
        with servers.running_worker(
            worker_command, core=server_core, log=logs / "worker.log", env=environment
        ):
            sent = asyncio.run(
                _send_analysed(f"{serve.base_url}/ingest/retell", latency_events, 40)
            )
            arrivals = _wait_for(receiver, set(sent), 60)
        latencies = [
            (arrivals[call_id] - at) * 1000 for call_id, at in sent.items() if call_id in arrivals
        ]
        if len(latencies) < len(sent):
            raise RuntimeError(f"{len(sent) - len(latencies)} webhooks never arrived")
        asyncio.run(_fill_outbox(database_url, account_id, throughput_events))
        with servers.running_worker(
            worker_command, core=server_core, log=logs / "worker-throughput.log", env=environment
        ):
            wanted = {f"call_outbox_{number}" for number in range(throughput_events)}
            arrivals = _wait_for(receiver, wanted, 120)
        times = sorted(arrivals[call_id] for call_id in wanted if call_id in arrivals)
        if len(times) < throughput_events:
            raise RuntimeError(f"{throughput_events - len(times)} outbox events never arrived")
    return WebhookResult(
        latency_events=len(latencies),
        p50_ms=statistics.median(latencies),
        p99_ms=_percentile(latencies, 0.99),
        throughput_events=throughput_events,
        deliveries_per_second=(len(times) - 1) / (times[-1] - times[0]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__)
    parser.add_argument(
        "--database-url",
        default=f"sqlite+aiosqlite:///{ROOT / 'bench' / 'data' / 'webhooks.sqlite3'}",
    )
    parser.add_argument("--latency-events", type=int, default=200)
    parser.add_argument("--throughput-events", type=int, default=2000)
    args = parser.parse_args()
    from bench.data import fresh_database

    url = fresh_database(args.database_url)
    result = measure_webhooks(
        url, latency_events=args.latency_events, throughput_events=args.throughput_events,
        server_core=0, client_core=1, logs=ROOT / "bench" / "results" / "logs",
    )  # fmt: skip
    print(result)


if __name__ == "__main__":
    main()
