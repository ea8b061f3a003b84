"""A call's tags, from the one vocabulary of docs/analytics.md."""

from pathlib import Path

import pytest

from humanadd.analytics.booking import booked
from humanadd.analytics.questions import caller_questions
from humanadd.analytics.tags import TAGS
from humanadd.analytics.tags import tags as call_tags
from humanadd.analytics.transcript import from_text

DOC = Path(__file__).resolve().parents[2] / "docs" / "analytics.md"


def tags(transcript: str) -> list[str]:
    turns = from_text(transcript)
    return call_tags(turns, booked=booked(turns), questions=caller_questions(turns))


@pytest.mark.parametrize(
    ("transcript", "expected"),
    [
        (
            "Caller: hi um I'd like to make an appointment for a cleaning\n"
            "AI: Sure, you're booked for Tuesday at 3 pm.",
            ["booking"],
        ),
        (
            "Caller: how much is a cleaning and do you take Delta Dental insurance\n"
            "AI: A cleaning is $120, and yes we do.",
            ["inquiry", "pricing", "insurance"],
        ),
        ("Caller: what time do you close tonight", ["inquiry", "hours"]),
        ("Caller: umm where are you guys located is there parking", ["inquiry", "location"]),
        (
            "Caller: I need to reschedule my appointment from Monday\n"
            "AI: No problem, I've moved your appointment to Wednesday at 10.",
            ["booking", "reschedule"],
        ),
        (
            "Caller: I have to cancel my appointment tomorrow\n"
            "AI: Okay, your appointment is cancelled.",
            ["cancellation"],
        ),
        (
            "Caller: my basement is flooding there's water everywhere\n"
            "AI: I'm sending a technician now.",
            ["emergency"],
        ),
        (
            "Caller: this is ridiculous the tech never showed up and nobody called me back\n"
            "AI: I'm so sorry about that.",
            ["complaint"],
        ),
        (
            "Caller: I have a question about my bill I was charged twice\nAI: Let me look.",
            ["inquiry", "billing"],
        ),
        (
            "AI: You've reached Comfort Air. Please leave a message after the tone.\n"
            "Caller: hi it's Dana please call me back",
            ["voicemail"],
        ),
        (
            "Caller: hi we're calling about your Google business listing, press 1 to verify\n"
            "AI: We're not interested.",
            ["spam"],
        ),
    ],
)
def test_each_tag_is_found_from_what_was_said(transcript: str, expected: list[str]) -> None:
    assert tags(transcript) == expected


def test_a_booking_requested_but_not_made_is_still_tagged_booking() -> None:
    transcript = (
        "Caller: can I book a table for four at eight\n"
        "AI: I'm sorry, we're fully booked tonight, I couldn't book it."
    )

    assert tags(transcript) == ["booking"]


def test_a_negation_takes_back_the_tags_that_it_can() -> None:
    transcript = (
        "Caller: it's not an emergency and I don't want to cancel anything, I have no complaints\n"
        "AI: Okay, how can I help?"
    )

    assert tags(transcript) == []
    assert tags("Caller: I don't have insurance so what would it cost") == [
        "inquiry",
        "pricing",
        "insurance",
    ]


def test_a_statement_with_a_question_word_is_not_an_inquiry() -> None:
    assert tags("Caller: I know what time you close, I'll come by") == []


def test_a_cancellation_policy_question_is_pricing_free_inquiry_not_a_cancellation() -> None:
    assert tags("Caller: what's your cancellation policy") == ["inquiry"]


def test_every_tag_of_the_vocabulary_is_defined_in_the_docs() -> None:
    section = DOC.read_text().split("## Tags", 1)[1].split("\n## ", 1)[0]
    documented = [
        line.split("|")[1].strip().strip("`")
        for line in section.splitlines()
        if line.startswith("| `")
    ]

    assert documented == list(TAGS)


def test_naming_an_insurer_is_about_insurance() -> None:
    assert tags("Caller: um do you take aetna") == ["inquiry", "insurance"]
    assert tags("Caller: are you in with blue cross blue shield") == ["inquiry", "insurance"]
