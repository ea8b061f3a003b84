"""Driving `wrk` (pinned to its own core) and reading its report."""

import os
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s+(\d+) requests in ([\d.]+)(us|ms|s|m),", re.MULTILINE)
_PERCENTILE = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int
    """Non-2xx answers plus socket errors; any of these makes the figure worthless."""


def ensure_wrk() -> str:
    """The path of `wrk`, installing Debian's package when it is missing and we may."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk (the HTTP load generator) is not installed; installing Debian's package 'wrk'.")
    command = ["apt-get", "install", "-y", "wrk"]
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            sys.exit("Please install it first: apt-get install -y wrk (as root)")
        command.insert(0, "sudo")
    print("+", " ".join(command))
    subprocess.run(command, check=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is still not on PATH after installing it.")
    return found


def parse(report: str) -> WrkResult:
    rate = _RATE.search(report)
    total = _TOTAL.search(report)
    percentiles = {
        int(share): float(value) * _UNITS_MS[unit]
        for share, value, unit in _PERCENTILE.findall(report)
    }
    if rate is None or total is None or 50 not in percentiles or 99 not in percentiles:
        raise ValueError(f"cannot read wrk's report:\n{report}")
    failures = 0
    if non_2xx := _NON_2XX.search(report):
        failures += int(non_2xx.group(1))
    if errors := _SOCKET_ERRORS.search(report):
        failures += sum(int(count) for count in errors.groups())
    return WrkResult(
        requests_per_second=float(rate.group(1)),
        requests=int(total.group(1)),
        seconds=float(total.group(2)) * _UNITS_MS[total.group(3)] / 1000,
        p50_ms=percentiles[50],
        p99_ms=percentiles[99],
        failures=failures,
    )


def run(
    url: str,
    *,
    core: int,
    connections: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    timeout_seconds: int = 10,
) -> WrkResult:
    """One fixed-length wrk run with one thread pinned to `core`."""
    command = [
        "taskset",
        "-c",
        str(core),
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={timeout_seconds}s",
        "--latency",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    finished = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    )
    return parse(finished.stdout)


def combine(results: list[WrkResult]) -> WrkResult:
    """Several runs of one server as one: throughput over their whole time, and the median of
    their latency percentiles (wrk reports percentiles, not the histogram to merge)."""
    seconds = sum(result.seconds for result in results)
    requests = sum(result.requests for result in results)
    return WrkResult(
        requests_per_second=requests / seconds if seconds else 0.0,
        requests=requests,
        seconds=seconds,
        p50_ms=statistics.median(result.p50_ms for result in results),
        p99_ms=statistics.median(result.p99_ms for result in results),
        failures=sum(result.failures for result in results),
    )
