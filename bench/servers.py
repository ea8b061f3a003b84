"""Starting and stopping the servers under test, each pinned to one core, on loopback."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
RATE_LIMIT_FOR_BENCH = 100_000_000
"""Per-key budget while measuring: the limiter still counts every request but never refuses."""
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class Server:
    name: str
    base_url: str
    pid: int
    event_loop: str
    http_parser: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
    return port


def real_app_command(port: int) -> list[str]:
    return [sys.executable, "-m", "humanadd", "serve", "--host", HOST, "--port", str(port)]


def real_app_env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUMANADD_")}
    env.update(
        HUMANADD_DATABASE_URL=database_url,
        HUMANADD_RATE_LIMIT_PER_MINUTE=str(RATE_LIMIT_FOR_BENCH),
        HUMANADD_DATA_DIR=str(data_dir),
    )
    return env


def reference_command(kind: str, port: int, *options: str) -> list[str]:
    return [sys.executable, "-m", "bench.references", kind, "--port", str(port), *options]


def _loaded_libraries(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ""


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /healthz in {START_TIMEOUT_SECONDS} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running(
    name: str, command: list[str], *, core: int, log: Path, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Run `command` under `taskset -c core` until the block ends; its output goes to `log`."""
    port = int(command[command.index("--port") + 1])
    base_url = f"http://{HOST}:{port}"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["taskset", "-c", str(core), *command],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            _wait_until_up(process, base_url, log)
            libraries = _loaded_libraries(process.pid)
            yield Server(
                name=name,
                base_url=base_url,
                pid=process.pid,
                event_loop="uvloop" if "/uvloop/" in libraries else "asyncio",
                http_parser="httptools" if "/httptools/" in libraries else "h11",
            )
        finally:
            _stop(process)


def fetch(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """One GET, for capturing bodies and checking answers before measuring."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@contextmanager
def running_worker(
    command: list[str], *, core: int, log: Path, env: dict[str, str] | None = None
) -> Iterator[int]:
    """Run a process that serves no HTTP (`humanadd worker`) under `taskset -c core` until the
    block ends; its pid."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["taskset", "-c", str(core), *command], stdout=output, stderr=subprocess.STDOUT, env=env
        )
        try:
            yield process.pid
        finally:
            _stop(process)
