"""Retell as our tests see it: its call objects and its signed webhooks.

Call objects follow Retell's API reference (v2 call object); signatures are made as Retell
makes them (HMAC-SHA256 of the raw body followed by the timestamp, keyed with the API key)
and checked against the official SDK's `verify` in the tests.
"""

import copy
import time
from typing import Any

import orjson

from humanadd.providers.retell import signature

RETELL_API_KEY = "key_test_0123456789abcdef"
AGENT_ID = "agent_7f3c9a2b1d"
STARTED_MS = 1_736_965_324_000  # 2025-01-15T18:22:04.000Z
ENDED_MS = STARTED_MS + 154_000


def retell_call(call_id: str = "call_a1b2c3", **overrides: Any) -> dict[str, Any]:
    """A finished, analysed phone call as Retell describes it."""
    call: dict[str, Any] = {
        "call_type": "phone_call",
        "call_id": call_id,
        "agent_id": AGENT_ID,
        "agent_version": 3,
        "call_status": "ended",
        "direction": "inbound",
        "from_number": "+15551234567",
        "to_number": "+15559876543",
        "start_timestamp": STARTED_MS,
        "end_timestamp": ENDED_MS,
        "duration_ms": 154_000,
        "transcript": "Agent: Thanks for calling Acme HVAC.\nUser: Do you service heat pumps?",
        "transcript_object": [
            {
                "role": "agent",
                "content": "Thanks for calling Acme HVAC.",
                "words": [
                    {"word": "Thanks", "start": 0.4, "end": 0.7},
                    {"word": "for", "start": 0.7, "end": 0.8},
                ],
            },
            {
                "role": "user",
                "content": "Do you service heat pumps?",
                "words": [{"word": "Do", "start": 2.1, "end": 2.2}],
            },
        ],
        "recording_url": f"https://dxc03zgurdly9.cloudfront.net/{call_id}/recording.wav",
        "disconnection_reason": "user_hangup",
        "call_analysis": {
            "call_summary": "The caller asked about heat pump service and booked a visit.",
            "in_voicemail": False,
            "user_sentiment": "Positive",
            "call_successful": True,
            "custom_analysis_data": {"tags": ["Heat Pump", "booking"], "booked": True},
        },
        "latency": {"e2e": {"p50": 800}},
    }
    for name, value in overrides.items():
        call[name] = value
    return call


def ended_only(call: dict[str, Any]) -> dict[str, Any]:
    """The call as `call_ended` carries it: the analysis is not in yet."""
    ended = copy.deepcopy(call)
    ended.pop("call_analysis", None)
    return ended


def started_only(call: dict[str, Any]) -> dict[str, Any]:
    """The call as `call_started` carries it."""
    started = ended_only(call)
    for name in ("end_timestamp", "duration_ms", "transcript", "transcript_object"):
        started.pop(name, None)
    started.pop("disconnection_reason", None)
    started["call_status"] = "ongoing"
    return started


def webhook(
    event: str,
    call: dict[str, Any],
    *,
    api_key: str = RETELL_API_KEY,
    at_ms: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of Retell's webhook request for `event`."""
    body = orjson.dumps({"event": event, "call": call})
    at_ms = round(time.time() * 1000) if at_ms is None else at_ms
    headers = {
        "content-type": "application/json",
        signature.HEADER: signature.sign(body, api_key, at_ms),
    }
    return body, headers
