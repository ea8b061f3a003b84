"""JSON log lines: message, request id, extra fields, and nothing that repeats the message."""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from humanadd.logs import JsonFormatter, configure_logging, request_id_var

CREATED = datetime(2026, 3, 8, 9, 30, 15, 250_000, tzinfo=UTC).timestamp()


def record(
    name: str,
    message: str,
    *args: object,
    extra: dict[str, Any] | None = None,
    exc_info: Any = None,
) -> logging.LogRecord:
    made = logging.getLogger(name).makeRecord(
        name, logging.INFO, __file__, 1, message, args, exc_info, extra=extra
    )
    made.created = CREATED
    return made


def formatted(log_record: logging.LogRecord) -> dict[str, Any]:
    line = JsonFormatter().format(log_record)
    assert "\n" not in line
    entry: dict[str, Any] = json.loads(line)
    return entry


def test_uvicorn_colour_copy_of_the_message_is_dropped() -> None:
    # What uvicorn logs at start-up: the message, plus a copy with terminal colour escapes.
    entry = formatted(
        record(
            "uvicorn.error",
            "Started server process [%d]",
            4321,
            extra={"color_message": "Started server process [\x1b[36m%d\x1b[0m]"},
        )
    )
    assert entry == {
        "time": "2026-03-08T09:30:15.250+00:00",
        "level": "info",
        "logger": "uvicorn.error",
        "message": "Started server process [4321]",
    }


def test_extra_fields_and_the_request_id_are_top_level_keys() -> None:
    token = request_id_var.set("req_0123456789abcdef01234567")
    try:
        entry = formatted(
            record(
                "humanadd.access",
                "request",
                extra={"method": "GET", "path": "/api/v1/calls", "status": 200},
            )
        )
    finally:
        request_id_var.reset(token)
    assert entry == {
        "time": "2026-03-08T09:30:15.250+00:00",
        "level": "info",
        "logger": "humanadd.access",
        "message": "request",
        "request_id": "req_0123456789abcdef01234567",
        "method": "GET",
        "path": "/api/v1/calls",
        "status": 200,
    }


def test_an_exception_is_one_field_of_the_same_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        entry = formatted(record("humanadd", "unhandled error", exc_info=sys.exc_info()))
    assert set(entry) == {"time", "level", "logger", "message", "exception"}
    assert entry["message"] == "unhandled error"
    assert entry["exception"].startswith("Traceback (most recent call last):")
    assert entry["exception"].endswith("ValueError: boom")


def test_at_debug_level_the_database_drivers_still_log_no_statement() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("DEBUG")
        assert logging.getLogger("humanadd").isEnabledFor(logging.DEBUG)
        for name in ("aiosqlite", "asyncpg", "sqlalchemy.engine.Engine", "httpx"):
            assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
