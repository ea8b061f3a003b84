"""The demo's calls: about 500 over the last 60 days, reproducible for a given "now".

Everything comes from one seeded `random.Random`, and call ids are fixed by position, so seeding
twice gives the same calls (moved to the new "now"). Calls keep business hours in the demo
account's time zone, weekdays busier than weekends. Like the simulated provider's live calls
(`demo.player`), a call carries the summary and sentiment of a provider's built-in analysis (a
sentiment now and then unknown) but no tags and no `booked`: those, and the caller's questions,
are our analysis's when the calls are imported (`demo.service`).
"""

import hashlib
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from humanadd.calls.records import CallRecord
from humanadd.demo import conversations
from humanadd.demo.businesses import HVAC
from humanadd.demo.conversations import Conversation, whole_seconds

SEED = 20250115
CALL_COUNT = 500
DAYS = 60
ONGOING = 2

EXAMPLE_CALL_ID = "call_abc123"
"""The API document's example call, present exactly as documented."""

HOUR_WEIGHTS = (
    0.1, 0.05, 0.05, 0.05, 0.1, 0.2, 0.6, 3.0, 6.0, 10.0, 11.0, 10.0,
    7.0, 7.0, 8.0, 7.0, 6.0, 4.0, 3.0, 2.0, 1.5, 1.0, 0.5, 0.3,
)  # fmt: skip
"""Relative call volume by local hour, midnight first."""
WEEKDAY_WEIGHTS = (1.1, 1.3, 1.0, 1.0, 0.9, 0.45, 0.2)
"""Monday first."""

AREA_CODES = ("212", "347", "617", "857", "312", "773", "646", "718", "415", "305")
FIRST_NAMES = (
    "Dana", "Marcus", "Priya", "Tom", "Elena", "James", "Aisha", "Kevin", "Sofia", "Luis",
    "Hannah", "Omar", "Grace", "Daniel", "Mei", "Robert", "Fatima", "Chris", "Nina", "Sam",
)  # fmt: skip
LAST_NAMES = (
    "Whitfield", "Lopez", "Patel", "Nguyen", "Kowalski", "Brown", "Okafor", "Schmidt",
    "Rossi", "Kim", "Murphy", "Haddad", "Chen", "Silva", "Johnson", "Novak",
)  # fmt: skip

MISSED_INBOUND = ("dial_no_answer", "marked_as_spam", "registered_call_timeout")
MISSED_OUTBOUND = (
    "voicemail_reached", "voicemail_reached", "dial_no_answer", "dial_no_answer",
    "dial_busy", "user_declined", "invalid_destination", "dial_failed",
)  # fmt: skip
ANSWERED_ENDINGS = ("user_hangup",) * 12 + ("agent_hangup",) * 5 + ("call_transfer", "inactivity")
ERRORS = ("error_llm_websocket_lost_connection", "error_no_audio_received", "error_unknown")


def call_id_for(index: int) -> str:
    return "call_" + hashlib.sha256(f"humanadd-demo-{index}".encode()).hexdigest()[:24]


def recording_ref(seed: str) -> str:
    """The `recording_ref` of a demo call's audio, made on request (`demo.source`)."""
    return f"demo:{seed}"


def _customers(rng: random.Random) -> list[tuple[str, str]]:
    """Names and phone numbers of the people who call; some call more than once."""
    return [
        (
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            f"+1{rng.choice(AREA_CODES)}555{rng.randint(0, 9999):04d}",
        )
        for _ in range(320)
    ]


def _start_time(rng: random.Random, now: datetime, zone: ZoneInfo) -> datetime:
    """A plausible local start time within the last DAYS days, at least ten minutes ago."""
    today = now.astimezone(zone).date()
    while True:
        day = today - timedelta(days=rng.randrange(DAYS))
        if rng.random() * max(WEEKDAY_WEIGHTS) > WEEKDAY_WEIGHTS[day.weekday()]:
            continue
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        local = datetime(
            day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60),
            rng.randrange(1000) * 1000, tzinfo=zone,
        )  # fmt: skip
        if now - timedelta(days=DAYS) < local < now - timedelta(minutes=10):
            return local


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _with_conversation(
    record: CallRecord,
    conversation: Conversation,
    rng: random.Random,
    *,
    duration: int | None = None,
) -> CallRecord:
    """The call with its conversation fitted into `duration` seconds (by default, as long as
    the conversation takes); a finished call ends that long after it starts and has audio
    exactly that long."""
    record.transcript_object, end = conversation.timed(rng, duration)
    record.duration_seconds = whole_seconds(end, rng) if duration is None else duration
    record.transcript = conversation.transcript
    if record.status != "ongoing":
        record.ended_at = record.started_at + record.duration_seconds * 1000
        record.recording_ref = recording_ref(record.call_id)
    return record


def _generated_call(
    index: int,
    rng: random.Random,
    now: datetime,
    zone: ZoneInfo,
    customers: list[tuple[str, str]],
) -> CallRecord:
    business = HVAC
    reason = rng.choice(business.reasons)
    name, number = rng.choice(customers)
    direction = "outbound" if rng.random() < 0.12 else "inbound"
    started = _start_time(rng, now, zone)
    record = CallRecord(
        call_id=call_id_for(index),
        direction=direction,
        started_at=_ms(started),
        from_number=number if direction == "inbound" else business.phone,
        to_number=business.phone if direction == "inbound" else number,
    )
    fate = rng.random()
    if fate < (0.05 if direction == "inbound" else 0.35):
        record.ended_at = record.started_at
        record.disconnection_reason = rng.choice(
            MISSED_INBOUND if direction == "inbound" else MISSED_OUTBOUND
        )
        if record.disconnection_reason == "voicemail_reached":
            record.summary = "Reached voicemail; no message was left."
        return record
    if fate > 0.99:
        conversation = conversations.interrupted(business, reason, rng)
        record.status = "error"
        record.disconnection_reason = rng.choice(ERRORS)
        record.summary = "The call dropped because of a technical problem."
        return _with_conversation(record, conversation, rng)
    if direction == "inbound":
        conversation = conversations.inbound(business, reason, started, name, rng)
    else:
        conversation = conversations.outbound(business, started, name, rng)
    record.disconnection_reason = rng.choice(ANSWERED_ENDINGS)
    record.sentiment = conversation.sentiment
    record.summary = conversation.summary
    return _with_conversation(record, conversation, rng)


def _ongoing_call(
    index: int, rng: random.Random, now: datetime, customers: list[tuple[str, str]]
) -> CallRecord:
    """A call still in progress: started minutes ago, no analysis or recording yet."""
    business = HVAC
    started = now - timedelta(seconds=rng.randint(40, 240))
    record = CallRecord(
        call_id=call_id_for(index),
        direction="inbound",
        started_at=_ms(started),
        from_number=rng.choice(customers)[1],
        to_number=business.phone,
        status="ongoing",
    )
    conversation = conversations.interrupted(business, rng.choice(business.reasons), rng)
    _with_conversation(record, conversation, rng)
    record.duration_seconds = int((now - started).total_seconds())
    return record


def example_call(now: datetime) -> CallRecord:
    """`call_abc123` as the API document shows it, started 38 to 98 minutes before `now`."""
    started = now.replace(minute=22, second=4, microsecond=0) - timedelta(hours=1)
    conversation = Conversation()
    for role, text in EXAMPLE_TURNS:
        conversation.turns.append((role, text))
    record = CallRecord(
        call_id=EXAMPLE_CALL_ID,
        direction="inbound",
        started_at=_ms(started),
        from_number="+15551234567",
        to_number=HVAC.phone,
        status="ended",
        disconnection_reason="user_hangup",
        sentiment="positive",
        summary="Caller booked an HVAC maintenance appointment for Thursday.",
        tags=["booking"],
        booked=True,
    )
    return _with_conversation(record, conversation, random.Random(EXAMPLE_CALL_ID), duration=82)


EXAMPLE_TURNS = (
    ("agent", "Hello, thank you for calling Comfort Air Heating & Cooling. This is Ava. "
     "How can I help you today?"),
    ("user", "Hi, I'd like to schedule a maintenance visit for my AC before the summer. "
     "It's been making a rattling sound when it starts up."),
    ("agent", "Happy to help with that. A seasonal tune-up checks for rattles too. "
     "Can I have your name and address?"),
    ("user", "Sure, it's Dana Whitfield, 42 Maple Street."),
    ("agent", "Thank you, Dana. And is the best number to reach you the one you're calling "
     "from?"),
    ("user", "Yes, that's my cell."),
    ("agent", "Great. We have Thursday at 10am or 2pm available. Which works better?"),
    ("user", "Thursday at 10 works. How much does a tune-up cost?"),
    ("agent", "Our seasonal tune-up is $129, and it's free for Comfort Club members."),
    ("user", "Okay, good to know. Let's do Thursday at 10."),
    ("agent", "You're all set for Thursday at 10am. The technician will call about 30 "
     "minutes before arriving, and we'll text you a confirmation. Is there anything else?"),
    ("user", "No, that's all. Thanks!"),
    ("agent", "Thank you for calling Comfort Air Heating & Cooling. Have a great day!"),
)  # fmt: skip


def demo_calls(now_ms: int, timezone: str) -> list[CallRecord]:
    """The demo's CALL_COUNT calls as of `now_ms`; the same `now_ms` gives the same calls."""
    rng = random.Random(SEED)
    now = datetime.fromtimestamp(now_ms / 1000, UTC)
    zone = ZoneInfo(timezone)
    customers = _customers(rng)
    calls = [example_call(now)]
    calls += [_ongoing_call(index, rng, now, customers) for index in range(1, ONGOING + 1)]
    calls += [
        _generated_call(index, rng, now, zone, customers)
        for index in range(ONGOING + 1, CALL_COUNT)
    ]
    return calls
