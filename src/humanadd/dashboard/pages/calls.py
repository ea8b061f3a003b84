"""`/dashboard/calls`: the account's calls, newest first, with the API's filters plus a date
range (days on the account's clock) and a phone search, all in the URL. The topic filter comes
from links (Overview, a call's questions): the page names the topic and can clear it."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any, NamedTuple
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import QueryParams

from humanadd.calls import service as calls
from humanadd.calls.cursor import CallFilters
from humanadd.calls.schemas import MAX_TAG_LENGTH, TOPIC_ID
from humanadd.dashboard.auth import AccountPage, AccountPageDep
from humanadd.dashboard.templating import duration, local_time, render
from humanadd.dependencies import ServicesDep
from humanadd.errors import InvalidRequest

router = APIRouter()

PAGE_SIZE = 50
CHOICES = {
    "direction": ("inbound", "outbound"),
    "status": ("ongoing", "ended", "error"),
    "sentiment": ("positive", "neutral", "negative", "unknown"),
    "booked": ("true", "false"),
}
"""The API's filters with a fixed set of values (`calls.schemas`)."""
FIELDS = ("direction", "status", "sentiment", "booked", "tag", "from", "to", "phone", "topic")
_SEPARATORS = re.compile(r"[\s().-]")
_PHONE = re.compile(r"^\+?\d{1,32}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIN_YEAR, MAX_YEAR = 1970, 9000
"""Dates a call can have, with room for the day after on every clock."""


@dataclass
class Query:
    """The filter form as sent (to show it again) and what it asks of the service."""

    values: dict[str, str]
    filters: CallFilters = field(default_factory=CallFilters)
    errors: list[str] = field(default_factory=list)


def _day(values: dict[str, str], name: str, label: str, errors: list[str]) -> date | None:
    text = values[name]
    if not text:
        return None
    if _DATE.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            if MIN_YEAR <= day.year <= MAX_YEAR:
                return day
    errors.append(f"{label} must be a date like 2026-11-30, not {text[:20]!r}.")
    return None


def _start_of(day: date, zone: ZoneInfo) -> int:
    """Unix ms of the first moment of `day` on the account's clock."""
    return int(datetime.combine(day, time(), zone).timestamp() * 1000)


def parse(params: QueryParams, zone: str) -> Query:
    """The filters of the URL, each checked: a bad one is a message, never a 500."""
    values = {name: params.get(name, "").strip() for name in FIELDS}
    errors: list[str] = []
    chosen: dict[str, Any] = {}
    for name, allowed in CHOICES.items():
        if values[name] and values[name] not in allowed:
            errors.append(f"{name.capitalize()} can be {', '.join(allowed)}: not {values[name]!r}.")
        elif values[name]:
            chosen[name] = values[name] == "true" if name == "booked" else values[name]
    tag = values["tag"].lower()
    if len(tag) > MAX_TAG_LENGTH or "\x00" in tag:
        errors.append(f"A tag has at most {MAX_TAG_LENGTH} characters.")
    elif tag:
        chosen["tag"] = tag
    if values["topic"] and not TOPIC_ID.match(values["topic"]):
        errors.append("This topic link is not valid: open a topic from the Overview.")
    elif values["topic"]:
        chosen["topic"] = values["topic"]
    phone = _SEPARATORS.sub("", values["phone"])
    if phone and not _PHONE.match(phone):
        errors.append("Search a number by its digits, like 555 or +1555.")
    elif phone:
        chosen["phone"] = phone
    first = _day(values, "from", "From", errors)
    last = _day(values, "to", "To", errors)
    if first and last and last < first:
        errors.append("The To date is before the From date.")
    elif not errors:
        account_zone = ZoneInfo(zone)
        if first:
            chosen["since"] = _start_of(first, account_zone)
        if last:
            chosen["before"] = _start_of(last + timedelta(days=1), account_zone)
    if errors:
        return Query(values, errors=errors)
    return Query(values, CallFilters(**chosen))


class Row(NamedTuple):
    """One row of the table, every cell ready to print and already HTML-escaped.

    The template prints the rows with autoescaping off and unpacks each into names: a page
    of 50 rows then costs neither 600 attribute look-ups nor 600 `Markup` objects, which were
    most of its time (measured: `bench/dashboard.py`). So every text here goes through
    `escape`, but for those we write ourselves in digits (times, durations).
    """

    call_id: str
    href: str
    started_at: str
    started_local: str
    number: str
    direction: str
    outcome: str
    outcome_label: str
    duration: str
    sentiment: str
    sentiment_label: str
    booked: str
    tags: list[str]
    has_recording: bool


def _rows(page: AccountPage, calls_found: list[dict[str, Any]]) -> list[Row]:
    zone = page.account.timezone
    rows = []
    for call in calls_found:
        number = call["from_number"] if call["direction"] == "inbound" else call["to_number"]
        sentiment = call["sentiment"] or ""
        rows.append(
            Row(
                call_id=escape(call["call_id"]),
                href=escape(page.url(f"/dashboard/calls/{quote(call['call_id'], safe='')}")),
                started_at=call["started_at"],
                started_local=local_time(call["started_at"], zone),
                number=escape(number or "—"),
                direction=escape(call["direction"].capitalize()),
                outcome=escape(call["outcome"]),
                outcome_label=escape(call["outcome"].capitalize()),
                duration=duration(call["duration_seconds"]),
                sentiment=escape(sentiment),
                sentiment_label=escape(sentiment.capitalize()),
                booked="Booked" if call["booked"] else "No",
                tags=[escape(tag) for tag in call["tags"]],
                has_recording=bool(call["has_recording"]),
            )
        )
    return rows


def _next_url(page: AccountPage, query: Query, cursor: str) -> str:
    shown = {name: value for name, value in query.values.items() if value}
    return page.url("/dashboard/calls", **shown, cursor=cursor)


def _without_topic(page: AccountPage, query: Query) -> str:
    """This list with the other filters as they are, of every topic."""
    shown = {name: value for name, value in query.values.items() if value and name != "topic"}
    return page.url("/dashboard/calls", **shown)


@router.get("/calls")
async def calls_page(request: Request, page: AccountPageDep, services: ServicesDep) -> HTMLResponse:
    """The Calls tab: a table of calls, filtered, paged by the API's cursors."""
    zone = page.account.timezone
    query = parse(request.query_params, zone)
    cursor = request.query_params.get("cursor") or None
    result: dict[str, Any] = {"calls": [], "next_cursor": None}
    if not query.errors:
        try:
            result = await calls.list_calls(
                services.reader,
                services.cursors,
                page.account.id,
                limit=PAGE_SIZE,
                filters=query.filters,
                after=None,
                cursor_text=cursor,
                listed=True,
            )
        except InvalidRequest:
            query.errors.append("This page link is not valid any more: start from the first page.")
    next_url = _next_url(page, query, result["next_cursor"]) if result["next_cursor"] else None
    topic = query.filters.topic
    context = {
        "page": page,
        "viewer": page.viewer,
        "query": query,
        "choices": CHOICES,
        "rows": _rows(page, result["calls"]),
        "next_url": next_url,
        "topic_label": await calls.topic_label(services.reader, page.account.id, topic)
        if topic
        else None,
        "all_topics_url": _without_topic(page, query),
        "first_url": page.url("/dashboard/calls", **{k: v for k, v in query.values.items() if v})
        if cursor
        else None,
    }
    return render(request, "calls.html", context, status_code=400 if query.errors else 200)
