"""Structured logging: one JSON object per line, carrying the current request id."""

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
# Fields that only repeat `message` in another form: uvicorn adds `color_message`, the same text
# with terminal colour escapes, to its start-up and shut-down lines.
_DUPLICATES_OF_MESSAGE = {"color_message"}
_NOT_EXTRA = _RESERVED | _DUPLICATES_OF_MESSAGE


class JsonFormatter(logging.Formatter):
    """Formats a record as a JSON line; `extra={...}` fields are kept as top-level keys,
    except those that only repeat the message."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _NOT_EXTRA and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str = "INFO") -> None:
    """Send every log record, uvicorn's included, to stderr as JSON lines.

    Records skip what the JSON lines never show: the caller's file and line (a stack walk per
    record), thread, process and task names; the logging HOWTO's "Optimization" switches.
    """
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every request with its full URL at INFO: a provider's signed recording URLs
    # must never reach a log line. The database drivers log each statement with its
    # parameters at DEBUG (password hashes, webhook secrets): never, whatever the level.
    for name in ("httpx", "aiosqlite", "asyncpg", "sqlalchemy.engine"):
        logging.getLogger(name).setLevel(logging.WARNING)
