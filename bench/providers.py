"""Issue 3's benchmarks: provider ingest and the recording proxy, against `humanadd serve`.

- **Ingest**: a stream of signed `call_ended` + `call_analyzed` events (two per call, in that
  order, distinct calls) sent by `--clients` concurrent senders to `POST /ingest/retell`;
  events stored per second. The sender runs pinned to the client core.
- **Recording proxy**: one recording of `--recording-mb` MB, downloaded with curl straight from
  a local recording store (`bench.upstream`) and through the proxy; throughput of each
  (median of the runs), and their ratio.

`python -m bench.providers [--database-url URL]` runs both and prints them; `python -m
bench.run` runs them too and writes them to docs/benchmarks.md.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from bench import servers
from humanadd.accounts import repository as accounts_repository
from humanadd.db import create_engine, session_factory
from humanadd.keys import service as keys
from humanadd.providers import service as providers
from humanadd.providers.retell import signature

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "key_bench_providers"
AGENT_ID = "agent_bench_ingest"
ACCOUNT_NAME = "bench: provider ingest"
INGEST_TARGET = 300.0
"""Events per second on PostgreSQL (issue 3)."""
PROXY_TARGET = 0.70
"""Proxy throughput as a share of the direct download's (issue 3)."""


@dataclass(frozen=True)
class IngestResult:
    database: str
    events: int
    seconds: float
    failures: int
    clients: int

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds


@dataclass(frozen=True)
class ProxyResult:
    size_bytes: int
    direct_mb_per_second: float
    proxied_mb_per_second: float

    @property
    def ratio(self) -> float:
        return self.proxied_mb_per_second / self.direct_mb_per_second


async def _ingest_account(database_url: str) -> tuple[str, str]:
    """The benchmark's own provider-backed account (not one the API benchmark reads) and a
    key for it."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine).begin() as session:
            account = await accounts_repository.find_by_name(session, ACCOUNT_NAME)
            if account is None:
                account, _ = await keys.open_account(
                    session, name=ACCOUNT_NAME, plan="enterprise", actor="bench"
                )
            key = await keys.rotate(session, account.id, actor="bench")
            await providers.set_provider(
                session, account.id, "retell", agent_ids=[AGENT_ID], actor="bench"
            )
    finally:
        await engine.dispose()
    return account.id, key


def _call(call_id: str, started_ms: int, *, analysed: bool) -> dict[str, object]:
    words = [
        {"word": "Hello", "start": 0.4, "end": 0.7},
        {"word": "there", "start": 0.7, "end": 1.0},
    ]
    call: dict[str, object] = {
        "call_type": "phone_call",
        "call_id": call_id,
        "agent_id": AGENT_ID,
        "call_status": "ended",
        "direction": "inbound",
        "from_number": "+15551234567",
        "to_number": "+15559876543",
        "start_timestamp": started_ms,
        "end_timestamp": started_ms + 154_000,
        "duration_ms": 154_000,
        "transcript": "Agent: Thanks for calling.\nUser: Do you service heat pumps?",
        "transcript_object": [
            {"role": "agent", "content": "Thanks for calling.", "words": words},
            {"role": "user", "content": "Do you service heat pumps?", "words": words},
        ],
        "disconnection_reason": "user_hangup",
    }
    if analysed:
        call["call_analysis"] = {
            "call_summary": "The caller asked about heat pump service.",
            "user_sentiment": "Positive",
            "custom_analysis_data": {"tags": "heat pump, booking", "booked": "yes"},
        }
    return call


def write_events(path: Path, calls: int) -> int:
    """`calls` calls' ended + analysed events, signed now, as JSON lines of [body, signature]."""
    run = f"{time.time_ns():x}"
    now = round(time.time() * 1000)
    with path.open("wb") as out:
        for number in range(calls):
            call_id = f"call_bench_{run}_{number}"
            for event, analysed in (("call_ended", False), ("call_analyzed", True)):
                body = orjson.dumps(
                    {"event": event, "call": _call(call_id, now - number * 1000, analysed=analysed)}
                )
                out.write(orjson.dumps([body.decode(), signature.sign(body, API_KEY, now)]) + b"\n")
    return calls * 2


async def _send_events(url: str, path: Path, clients: int) -> tuple[int, float, int]:
    """Send the file's events, each call's two in order, `clients` calls at a time."""
    lines = path.read_bytes().splitlines()
    pairs = [lines[index : index + 2] for index in range(0, len(lines), 2)]
    queue: asyncio.Queue[list[bytes]] = asyncio.Queue()
    for pair in pairs:
        queue.put_nowait(pair)
    failures = 0

    async def sender(http: httpx.AsyncClient) -> None:
        nonlocal failures
        while not queue.empty():
            for line in queue.get_nowait():
                body, signed = orjson.loads(line)
                response = await http.post(
                    url, content=body.encode(), headers={signature.HEADER: signed}
                )
                failures += response.status_code != 204

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30, trust_env=False) as http:
        started = time.perf_counter()
        await asyncio.gather(*(sender(http) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return len(lines), elapsed, failures


def measure_ingest(
    database: str,
    database_url: str,
    *,
    calls: int,
    clients: int,
    server_core: int,
    client_core: int,
    logs: Path,
) -> IngestResult:
    asyncio.run(_ingest_account(database_url))
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HUMANADD_")
    }
    environment.update(
        HUMANADD_DATABASE_URL=database_url,
        HUMANADD_RETELL_API_KEY=API_KEY,
        HUMANADD_DATA_DIR=str(ROOT / "bench" / "data" / "var"),
    )
    port = servers.free_port()
    with (
        tempfile.TemporaryDirectory() as folder,
        servers.running(
            "ingest",
            [
                sys.executable,
                "-m",
                "humanadd",
                "serve",
                "--host",
                servers.HOST,
                "--port",
                str(port),
            ],
            core=server_core,
            log=logs / f"{database}-ingest.log",
            env=environment,
        ) as server,
    ):
        events = Path(folder) / "events.jsonl"
        write_events(events, calls)
        sent = subprocess.run(
            [
                "taskset", "-c", str(client_core), sys.executable, "-m", "bench.providers",
                "send", "--url", f"{server.base_url}/ingest/retell", "--events", str(events),
                "--clients", str(clients),
            ],
            check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip
    count, seconds, failures = orjson.loads(sent.stdout)
    return IngestResult(database, count, seconds, failures, clients)


def _curl_mb_per_second(url: str, headers: dict[str, str], core: int) -> float:
    command = [
        "taskset",
        "-c",
        str(core),
        "curl",
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{speed_download} %{http_code}",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    speed, status = subprocess.run(
        [*command, url], check=True, capture_output=True, text=True
    ).stdout.split()
    if status != "200":
        raise RuntimeError(f"{url.split('?')[0]} answered {status}")
    return float(speed) / 1e6


def measure_proxy(
    database_url: str, *, size_mb: int, runs: int, server_core: int, client_core: int, logs: Path
) -> ProxyResult:
    size = size_mb * 1_000_000
    _, key = asyncio.run(_ingest_account(database_url))
    upstream_port, proxy_port = servers.free_port(), servers.free_port()
    environment = {
        key_: value for key_, value in os.environ.items() if not key_.startswith("HUMANADD_")
    }
    environment.update(
        HUMANADD_DATABASE_URL=database_url,
        HUMANADD_RETELL_API_KEY=API_KEY,
        HUMANADD_DATA_DIR=str(ROOT / "bench" / "data" / "var"),
        HUMANADD_RECORDING_HOSTS=f"{servers.HOST}:{upstream_port}",
        HUMANADD_RATE_LIMIT_PER_MINUTE=str(servers.RATE_LIMIT_FOR_BENCH),
    )
    upstream_command = [
        sys.executable, "-m", "bench.upstream", "--port", str(upstream_port), "--size", str(size),
    ]  # fmt: skip
    proxy_command = [
        sys.executable, "-m", "humanadd", "serve",
        "--host", servers.HOST, "--port", str(proxy_port),
    ]  # fmt: skip
    with (
        servers.running(
            "upstream", upstream_command, core=client_core, log=logs / "upstream.log"
        ) as upstream,
        servers.running(
            "proxy", proxy_command, core=server_core, log=logs / "proxy.log", env=environment
        ) as proxy,
    ):
        direct_url = f"{upstream.base_url}/recording.wav"
        call = _call("call_bench_recording", round(time.time() * 1000), analysed=True)
        call["recording_url"] = direct_url
        body = orjson.dumps({"event": "call_analyzed", "call": call})
        signed = signature.sign(body, API_KEY, round(time.time() * 1000))
        response = httpx.post(
            f"{proxy.base_url}/ingest/retell", content=body, headers={signature.HEADER: signed}
        )
        response.raise_for_status()
        proxied_url = f"{proxy.base_url}/api/v1/calls/call_bench_recording/recording"
        auth = {"Authorization": f"Bearer {key}"}
        direct, proxied = [], []
        _curl_mb_per_second(proxied_url, auth, client_core)  # warm-up
        for _ in range(runs):  # interleaved, so background load falls on both alike
            direct.append(_curl_mb_per_second(direct_url, {}, client_core))
            proxied.append(_curl_mb_per_second(proxied_url, auth, client_core))
    return ProxyResult(size, statistics.median(direct), statistics.median(proxied))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.providers", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    send = sub.add_parser(
        "send", help="(internal) send an events file; prints [events, seconds, failures]"
    )
    send.add_argument("--url", required=True)
    send.add_argument("--events", type=Path, required=True)
    send.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--database-url",
        default=f"sqlite+aiosqlite:///{ROOT / 'bench' / 'data' / 'providers.sqlite3'}",
        help="the database (migrated first); default: a SQLite file of its own",
    )
    parser.add_argument("--calls", type=int, default=2000, help="calls to ingest (2 events each)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--recording-mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.command == "send":
        result = asyncio.run(_send_events(args.url, args.events, args.clients))
        sys.stdout.write(orjson.dumps(list(result)).decode())
        return
    from humanadd.migrations import upgrade

    upgrade(args.database_url)
    logs = ROOT / "bench" / "results" / "logs"
    database = "postgres" if args.database_url.startswith("postgresql") else "sqlite"
    ingest = measure_ingest(
        database, args.database_url, calls=args.calls, clients=args.clients,
        server_core=0, client_core=1, logs=logs,
    )  # fmt: skip
    print(
        f"ingest ({database}): {ingest.events:,} events in {ingest.seconds:.1f} s = "
        f"{ingest.events_per_second:,.0f} events/s ({ingest.failures} failed)"
    )
    proxy = measure_proxy(
        args.database_url, size_mb=args.recording_mb, runs=args.runs,
        server_core=0, client_core=1, logs=logs,
    )  # fmt: skip
    print(
        f"proxy: direct {proxy.direct_mb_per_second:,.0f} MB/s, through the proxy "
        f"{proxy.proxied_mb_per_second:,.0f} MB/s = {proxy.ratio:.0%}"
    )


if __name__ == "__main__":
    main()
