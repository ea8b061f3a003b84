"""Real `humanadd serve` and `humanadd worker` processes for the tests that need one (or two):
started (on a free port of 127.0.0.1) with only the HUMANADD_* settings a test gives them."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from humanadd.config import Settings

STARTUP_SECONDS = 60


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_lines(self) -> list[str]:
        """The complete lines written so far (a line being written has no newline yet)."""
        lines = self.log.read_text().split("\n")[:-1]
        return [line for line in lines if line.strip()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve_environment(database_url: str, data_dir: Path, redis_url: str | None) -> dict[str, str]:
    """This machine's environment without any HUMANADD_* setting, plus ours."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("HUMANADD_")
    }
    environment.update(HUMANADD_DATABASE_URL=database_url, HUMANADD_DATA_DIR=str(data_dir))
    if redis_url:
        environment["HUMANADD_REDIS_URL"] = redis_url
    return environment


def start_serve(environment: dict[str, str], log: Path) -> Server:
    for _attempt in range(3):  # another process may take the free port before we bind it
        port = free_port()
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "humanadd",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        server = Server(process, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if (
                    httpx.get(f"{server.url}/healthz", timeout=1, trust_env=False).status_code
                    == 200
                ):
                    return server
            except httpx.TransportError:
                time.sleep(0.1)
        stop_serve(server)
    raise AssertionError(f"humanadd serve did not start:\n{log.read_text()}")


def stop_serve(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def worker_environment(settings: Settings) -> dict[str, str]:
    """This machine's environment without any HUMANADD_* setting, plus the test's database,
    Retell and webhook settings."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("HUMANADD_")
    }
    environment.update(
        HUMANADD_DATABASE_URL=settings.database_url,
        HUMANADD_WEBHOOKS_ALLOW_PRIVATE="1",
        HUMANADD_WEBHOOKS_ALLOW_INSECURE="1",
        HUMANADD_RETELL_BASE_URL=settings.retell_base_url,
    )
    if settings.retell_api_key is not None:
        environment["HUMANADD_RETELL_API_KEY"] = settings.retell_api_key.get_secret_value()
    return environment


async def start_worker(settings: Settings, log: Path) -> asyncio.subprocess.Process:
    with log.open("wb") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "humanadd", "worker",
            env=worker_environment(settings), stdout=output, stderr=output,
        )  # fmt: skip


async def stop_worker(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), timeout=15)
        except TimeoutError:
            process.kill()
            await process.wait()
