"""A call's summary: what the caller wanted and how it ended, in at most 240 characters, made
of the transcript's own words and fixed templates only."""

import re

import pytest

from humanadd.analytics.summary import MAX_LENGTH, summary
from humanadd.analytics.transcript import Turn, from_object, from_text
from humanadd.demo.generator import demo_calls

TEMPLATE_WORDS = {"The", "AI"}
"""Words of the templates that start with a capital letter."""


def _facts(text: str) -> set[str]:
    """Names, numbers, dates and prices a text states: every word with a digit, and every
    capitalised word but the first of a sentence."""
    found = set(re.findall(r"[\w$£€:.,/-]*\d[\w$£€:.,/-]*", text))
    for sentence in re.split(r"(?<=[.!?])\s+|\"", text):
        words = re.findall(r"[A-Za-z][\w'-]*", sentence)
        found |= {word for word in words[1:] if word[0].isupper()}
    return {fact.strip(".,") for fact in found} - TEMPLATE_WORDS


def _assert_faithful(made: str | None, transcript: str) -> None:
    assert made is not None
    assert len(made) <= MAX_LENGTH
    assert 1 <= made.count(". ") + 1 <= 2 or made.endswith("…")
    lower = transcript.lower()
    invented = {fact for fact in _facts(made) if fact.lower() not in lower}
    assert not invented, (made, invented)


CASES = {
    "booked visit": (
        "AI: Comfort Air, this is Ava.\nCaller: Hi, I'd like to schedule a maintenance visit for "
        "my AC before the summer.\nAI: You're all set for Thursday at 10am.\nCaller: thanks",
        True,
        [],
        "The caller wanted to schedule a maintenance visit for their AC before the summer. "
        "The receptionist confirmed the booking.",
    ),
    "asr question": (
        "Caller: um what time do you close on fridays\nAI: At 5pm.\nCaller: ok bye",
        False,
        ["what time do you close on fridays"],
        'The caller asked "what time do you close on fridays". The receptionist answered.',
    ),
    "cancellation": (
        "Caller: hi I need to cancel my appointment tomorrow\n"
        "AI: No problem, I've cancelled your appointment.",
        False,
        [],
        "The caller needed to cancel their appointment tomorrow. The receptionist cancelled it.",
    ),
    "failed booking": (
        "Caller: I'd like to book a table for two tonight\nAI: Sorry, we're fully booked.",
        False,
        [],
        "The caller wanted to book a table for two tonight. No booking was made.",
    ),
    "a problem reported": (
        "Caller: yeah so my furnace is making a banging noise\nAI: We can send someone today.",
        False,
        [],
        "The caller reported that their furnace is making a banging noise. "
        "The call ended without a booking.",
    ),
    "a wish and a question run together": (
        "Caller: hi um I need a cleaning and do you take delta dental\nAI: We do.",
        False,
        ["do you take delta dental"],
        "The caller needed a cleaning. The receptionist answered.",
    ),
    "nothing said": (
        "AI: Hello?\nCaller: hello?\nCaller: hello",
        False,
        [],
        "The caller did not say what they wanted. The call ended without a booking.",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hand_written_calls(name: str) -> None:
    transcript, booked, questions, expected = CASES[name]

    made = summary(from_text(transcript), booked=booked, questions=questions)

    assert made == expected
    _assert_faithful(made, transcript)


def test_a_caller_who_said_nothing_has_no_summary() -> None:
    assert summary([Turn("agent", "Hello?")], booked=False, questions=[]) is None


def test_a_long_wish_is_cut_at_a_word_within_the_limit() -> None:
    wish = "I'd like to " + " ".join(["ask about the new heat pump models"] * 12)

    made = summary(from_text(f"Caller: {wish}"), booked=False, questions=[])

    assert made is not None
    assert len(made) <= MAX_LENGTH
    assert "…" in made


def test_no_summary_of_the_demos_calls_states_a_fact_its_transcript_lacks() -> None:
    records = [record for record in demo_calls(1_790_000_000_000, "America/New_York")
               if record.transcript_object]  # fmt: skip
    assert len(records) > 300
    for record in records:
        assert record.transcript is not None
        assert record.transcript_object is not None
        made = summary(from_object(record.transcript_object), booked=record.booked, questions=[])
        _assert_faithful(made, record.transcript)
