"""Jinja2, set up once: autoescaping on, the page helpers as filters, HTML responses."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from humanadd.clock import iso_from_datetime

environment = Environment(
    loader=PackageLoader("humanadd.dashboard", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def local_time(moment: datetime | str | None, zone: str, with_date: bool = True) -> str:
    """`moment` on the account's clock, as `2026-12-01 14:05` (or `14:05`)."""
    if moment is None:
        return "—"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


def relative_time(moment: datetime | str | None, now: datetime | None = None) -> str:
    """How long ago `moment` was, in words: `just now`, `5 minutes ago`, `3 days ago`."""
    if moment is None:
        return "never"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"  # pragma: no cover - the loop always returns


def iso(moment: datetime | str | None) -> str:
    """The machine-readable form for `<time datetime=…>`."""
    if moment is None or isinstance(moment, str):
        return moment or ""
    return iso_from_datetime(moment)


def duration(seconds: int | None) -> str:
    """`4:05` (minutes and seconds), `1:02:03` past an hour."""
    if seconds is None:
        return "—"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


environment.filters.update(
    local_time=local_time, relative_time=relative_time, iso=iso, duration=duration
)


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The page `template` rendered with `context`; the request is available as `request`."""
    html = environment.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code, headers=headers)
