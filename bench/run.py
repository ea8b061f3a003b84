"""The API benchmark: `python -m bench.run [--scale S] [--databases sqlite,postgres] …`.

For each database it builds (or reuses) the data set, then measures with `wrk` on loopback,
server and load generator pinned to different cores:

- the real app (`humanadd serve`, auth and rate limiting included) on GET /calls,
  GET /calls/{id} and GET /stats?days=30 for the largest account;
- the hand-written reference (Starlette + the driver + orjson) on the same list and detail;
- FastAPI alone, and the bare ASGI reference, both returning the real responses' bytes: the
  framework's floor and the HTTP limit;
- provider ingest (signed events per second), and the recording proxy against a direct
  download of the same file (`bench/providers.py`; the proxy once, on the first database);
- outbound webhooks: latency from ingest to the receiver, deliveries per second
  (`bench/webhooks.py`).

It prints a table and writes the report (docs/benchmarks.md at full scale).
"""

import argparse
import os
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import orjson
from sqlalchemy.engine import make_url

from bench import (
    analytics_doc,
    dashboard,
    data,
    document,
    providers,
    report,
    servers,
    webhooks,
    wrk,
)
from bench.generate import Shape
from bench.report import Endpoint, Measurement

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "bench" / "data"
RESULTS_DIR = ROOT / "bench" / "results"
HANDWRITTEN_KINDS = ("handwritten", "handwritten-sqlalchemy")
BARE_KINDS = ("bare-fastapi", "bare")
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:55432/humanadd_bench"


@dataclass(frozen=True)
class Options:
    scale: float
    databases: list[str]
    postgres_url: str
    seconds: float
    warmup_seconds: float
    connections: int
    stats_connections: int
    rounds: int
    server_core: int
    client_core: int
    regenerate: bool
    output: Path
    ingest_calls: int
    recording_mb: int
    proxy_runs: int
    webhook_latency_events: int
    webhook_throughput_events: int


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000,000 calls (default)")
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("HUMANADD_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="SQLAlchemy URL of the benchmark database (dropped and rebuilt when needed); "
        "env HUMANADD_BENCH_POSTGRES_URL; below full scale the database name gets a suffix",
    )
    parser.add_argument("--seconds", type=float, default=10, help="length of each measured run")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured run before each")
    parser.add_argument(
        "--connections", type=int, default=16, help="wrk connections (list, detail)"
    )
    parser.add_argument("--stats-connections", type=int, default=1, help="wrk connections (stats)")
    parser.add_argument(
        "--rounds", type=int, default=5, help="interleaved slices each run is split into"
    )
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true", help="rebuild the data set")
    parser.add_argument("--output", type=Path, help="report file (default: see below)")
    parser.add_argument(
        "--ingest-calls",
        type=int,
        default=2000,
        help="calls sent to provider ingest (2 events each)",
    )
    parser.add_argument("--recording-mb", type=int, default=200, help="proxied recording size")
    parser.add_argument("--proxy-runs", type=int, default=5, help="downloads each way")
    parser.add_argument("--webhook-latency-events", type=int, default=200)
    parser.add_argument("--webhook-throughput-events", type=int, default=2000)
    args = parser.parse_args(argv)
    full = args.scale == 1.0
    output = args.output or (
        ROOT / "docs" / "benchmarks.md" if full else RESULTS_DIR / "benchmarks.md"
    )
    return Options(
        scale=args.scale,
        databases=[name.strip() for name in args.databases.split(",") if name.strip()],
        postgres_url=args.postgres_url,
        seconds=args.seconds,
        warmup_seconds=args.warmup,
        connections=args.connections,
        stats_connections=args.stats_connections,
        rounds=args.rounds,
        server_core=args.server_core,
        client_core=args.client_core,
        regenerate=args.regenerate,
        output=output,
        ingest_calls=args.ingest_calls,
        recording_mb=args.recording_mb,
        proxy_runs=args.proxy_runs,
        webhook_latency_events=args.webhook_latency_events,
        webhook_throughput_events=args.webhook_throughput_events,
    )


def database_url(name: str, options: Options, shape: Shape) -> str:
    full = options.scale == 1.0
    if name == "sqlite":
        suffix = "" if full else f"-{shape.calls}"
        return f"sqlite+aiosqlite:///{DATA_DIR / f'bench{suffix}.sqlite3'}"
    if name == "postgres":
        url = make_url(options.postgres_url)
        if not full:
            url = url.set(database=f"{url.database}_{shape.calls}")
        return url.render_as_string(hide_password=False)
    raise SystemExit(f"unknown database {name!r} (choose sqlite, postgres)")


class Bench:
    """One database: every server started side by side, then measured in interleaved rounds.

    The servers are idle while another one is measured; interleaving spreads the background
    load of a shared machine evenly over all of them instead of over whichever ran last.
    """

    def __init__(self, options: Options, database: str, dataset: data.Dataset) -> None:
        self.options = options
        self.database = database
        self.dataset = dataset
        self.bodies_dir = RESULTS_DIR / "bodies" / database
        self.logs_dir = RESULTS_DIR / "logs"

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("list", "/api/v1/calls", self.options.connections),
            Endpoint(
                "detail", f"/api/v1/calls/{self.dataset.detail_call_id}", self.options.connections
            ),
            Endpoint("stats", "/api/v1/stats?days=30", self.options.stats_connections),
        ]

    def _wrk(
        self, server: servers.Server, endpoint: Endpoint, headers: dict[str, str], seconds: float
    ) -> wrk.WrkResult:
        return wrk.run(
            server.base_url + endpoint.path,
            core=self.options.client_core,
            connections=endpoint.connections,
            seconds=seconds,
            headers=headers,
        )

    def _start(self, stack: ExitStack, name: str, command: list[str], **env: str) -> servers.Server:
        server = stack.enter_context(
            servers.running(
                name,
                command,
                core=self.options.server_core,
                log=self.logs_dir / f"{self.database}-{name}.log",
                env=servers.real_app_env(self.dataset.database_url, DATA_DIR / "var")
                if name == "real"
                else None,
            )
        )
        print(f"  {name}: pid {server.pid}, {server.event_loop} + {server.http_parser}")
        return server

    def run(self) -> list[Measurement]:
        auth = {"Authorization": f"Bearer {self.dataset.api_key}"}
        bodies: dict[str, bytes] = {}
        self.bodies_dir.mkdir(parents=True, exist_ok=True)
        with ExitStack() as stack:
            real = self._start(stack, "real", servers.real_app_command(servers.free_port()))
            for endpoint in self.endpoints():
                status, body = servers.fetch(real.base_url + endpoint.path, auth)
                if status != 200:
                    print(f"  {endpoint.name}: HTTP {status} {body[:200]!r}: not measured")
                    continue
                bodies[endpoint.name] = body
                (self.bodies_dir / f"{endpoint.name}.json").write_bytes(body)
            self._check_list_body(bodies.get("list"))
            references = [
                self._start(
                    stack,
                    kind.replace("-", "_"),
                    servers.reference_command(
                        kind,
                        servers.free_port(),
                        "--database-url",
                        self.dataset.database_url,
                        "--account",
                        self.dataset.account_id,
                    ),
                )
                for kind in HANDWRITTEN_KINDS
            ]
            bare = [
                self._start(
                    stack,
                    kind.replace("-", "_"),
                    servers.reference_command(
                        kind, servers.free_port(), "--bodies", str(self.bodies_dir)
                    ),
                )
                for kind in BARE_KINDS
            ]
            results: list[Measurement] = []
            for endpoint in self.endpoints():
                if endpoint.name not in bodies:
                    continue
                contenders = [(real, auth)]
                if endpoint.name != "stats":
                    contenders += [(server, {}) for server in references]
                contenders += [(server, {}) for server in bare]
                results += self._measure(endpoint, contenders, len(bodies[endpoint.name]))
        return results

    def _measure(
        self,
        endpoint: Endpoint,
        contenders: list[tuple[servers.Server, dict[str, str]]],
        body_bytes: int,
    ) -> list[Measurement]:
        """Warm each server up, then measure them in turn, `rounds` times, rotating the order."""
        for server, headers in contenders:
            self._check_body(server, endpoint, headers, body_bytes)
            self._wrk(server, endpoint, headers, self.options.warmup_seconds)
        runs: dict[str, list[wrk.WrkResult]] = {server.name: [] for server, _ in contenders}
        rounds = self.options.rounds
        for round_number in range(rounds):
            shift = round_number % len(contenders)
            for server, headers in contenders[shift:] + contenders[:shift]:
                runs[server.name].append(
                    self._wrk(server, endpoint, headers, self.options.seconds / rounds)
                )
        measurements = []
        for server, _ in contenders:
            result = wrk.combine(runs[server.name])
            measurement = Measurement(self.database, endpoint.name, server.name, result, body_bytes)
            print("  " + report.console_line(measurement))
            if result.failures:
                print(f"    !! {result.failures} failed requests: the figure above is not valid")
            measurements.append(measurement)
        return measurements

    def _check_body(
        self, server: servers.Server, endpoint: Endpoint, headers: dict[str, str], size: int
    ) -> None:
        status, body = servers.fetch(server.base_url + endpoint.path, headers)
        if status != 200 or abs(len(body) - size) > 16:
            print(
                f"  note: {server.name} answers {endpoint.name} with HTTP {status} and "
                f"{len(body)} bytes; the real app with {size}"
            )

    @staticmethod
    def _check_list_body(body: bytes | None) -> None:
        if body is None:
            return
        page = orjson.loads(body)
        if page.get("count") != 50 or not page.get("has_more"):
            print(f"  warning: the list page has {page.get('count')} calls (expected 50)")


def main(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    shape = Shape.at(options.scale)
    wrk.ensure_wrk()
    started = time.time()
    datasets: dict[str, data.Dataset] = {}
    measurements: list[Measurement] = []
    ingest: list[providers.IngestResult] = []
    proxy: providers.ProxyResult | None = None
    webhook_results: list[tuple[str, webhooks.WebhookResult]] = []
    dashboard_results: list[tuple[str, list[dashboard.Pair]]] = []
    for name in options.databases:
        url = database_url(name, options, shape)
        print(f"{name}: preparing {shape.calls:,} calls over {shape.accounts:,} accounts")
        try:
            record = DATA_DIR / f"{name}-{shape.calls}.generation.json"
            datasets[name] = data.prepare(url, shape, regenerate=options.regenerate, record=record)
        except data.DatabaseUnavailable as error:
            print(f"  skipped: {error} (choose another with --postgres-url, or --databases sqlite)")
            continue
        dataset = datasets[name]
        print(
            f"  largest account: {dataset.largest_calls:,} calls, "
            f"{dataset.largest_in_window:,} in the last 30 days"
        )
        measurements += Bench(options, name, dataset).run()
        pages = dashboard.measure(url, dataset.account_id, dataset.api_key, dataset.detail_call_id)
        dashboard_results.append((name, pages))
        for pair in pages:
            print(f"  {name} {pair.line()}")
        writes_url = data.fresh_database(url)
        ingest.append(
            providers.measure_ingest(
                name,
                writes_url,
                calls=options.ingest_calls,
                clients=options.connections,
                server_core=options.server_core,
                client_core=options.client_core,
                logs=RESULTS_DIR / "logs",
            )
        )
        print("  " + document.ingest_line(ingest[-1]))
        webhook_results.append(
            (
                name,
                webhooks.measure_webhooks(
                    data.fresh_database(url),
                    latency_events=options.webhook_latency_events,
                    throughput_events=options.webhook_throughput_events,
                    server_core=options.server_core,
                    client_core=options.client_core,
                    logs=RESULTS_DIR / "logs",
                ),
            )
        )
        print("  " + document.webhook_line(*webhook_results[-1]))
        if proxy is None:
            proxy = providers.measure_proxy(
                writes_url,
                size_mb=options.recording_mb,
                runs=options.proxy_runs,
                server_core=options.server_core,
                client_core=options.client_core,
                logs=RESULTS_DIR / "logs",
            )
            print("  " + document.proxy_line(proxy))
    if not measurements:
        raise SystemExit("nothing was measured; no report written")
    print()
    print(report.console_table(measurements))
    print()
    verdicts = (
        report.verdicts(measurements)
        + document.provider_verdicts(ingest, proxy)
        + document.webhook_verdicts(webhook_results)
        + [f"{name} {pair.line()}" for name, pages in dashboard_results for pair in pages]
    )
    for line in verdicts:
        print(line)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "results.json").write_bytes(
        orjson.dumps([m.as_dict() for m in measurements], option=orjson.OPT_INDENT_2)
    )
    run = document.RunInfo(
        command=" ".join(["python -m bench.run", *(argv if argv is not None else sys.argv[1:])]),
        scale=options.scale,
        seconds=options.seconds,
        warmup_seconds=options.warmup_seconds,
        connections=options.connections,
        stats_connections=options.stats_connections,
        rounds=options.rounds,
        server_core=options.server_core,
        client_core=options.client_core,
        elapsed_seconds=time.time() - started,
        postgres_version=(
            data.postgres_version(datasets["postgres"].database_url)
            if "postgres" in datasets
            else None
        ),
    )
    infos = {
        name: document.DatasetInfo(
            calls=dataset.calls,
            accounts=dataset.accounts,
            largest_calls=dataset.largest_calls,
            largest_in_window=dataset.largest_in_window,
            generated_seconds=dataset.generated_seconds,
            reused=dataset.reused,
        )
        for name, dataset in datasets.items()
    }
    text = document.markdown(
        run, infos, measurements, ingest, proxy, webhook_results, dashboard_results
    )
    options.output.parent.mkdir(parents=True, exist_ok=True)
    if options.output.exists():
        text = analytics_doc.carry_over(options.output.read_text(), text)
    options.output.write_text(text)
    print(f"\nreport written to {options.output}")


if __name__ == "__main__":
    main()
