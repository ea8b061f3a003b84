"""Whether the receptionist confirmed a booking in the call, and whether the caller asked for
one."""

import pytest

from humanadd.analytics.booking import booked, booking_requested
from humanadd.analytics.transcript import Turn, from_text


def call(transcript: str) -> list[Turn]:
    return from_text(transcript)


@pytest.mark.parametrize(
    "transcript",
    [
        "Caller: I'd like to book a cleaning\nAI: Great, you're all set for Tuesday at 3 pm.",
        "Caller: table for two at seven\nAI: Done, I've booked a table for two at 7 pm tonight.",
        "Caller: can I come in friday\nAI: Your appointment has been confirmed for Friday at 9.",
        "Caller: thursday works\nAI: Perfect, I have you down for Thursday at 10. See you then!",
        "Caller: ok\nAI: Your reservation for the patio at Luigi's is confirmed.",
        "Caller: i need the ac looked at\nAI: we'll see you tomorrow between 8 and 10",
        "Caller: yes please\nAI: Okay, I've gone ahead and booked you that appointment.",
        "Caller: 2 pm is fine\nAI: Alright, I have your appointment set up with Dr. Patel.",
        "Caller: sounds good\nAI: I was able to successfully reserve your table for six.",
        "Caller: yeah\nAI: Great, you're all set for Thursday at 2. Anything else?",
        "Caller: ok\nAI: Your table is booked, anything else I can help with?",
    ],
)
def test_a_booking_stated_as_done_counts(transcript: str) -> None:
    assert booked(call(transcript)) is True


@pytest.mark.parametrize(
    "transcript",
    [
        # only discussed
        "Caller: how much is a cleaning\nAI: A cleaning is $120 and takes about an hour.",
        # offered, not taken
        "AI: Would you like me to book you in for Tuesday?\nCaller: no thanks, just looking",
        # read back, never answered
        "Caller: tuesday at 3\nAI: Just to confirm, Tuesday at 3 pm with Dr. Lee?",
        # failed
        "Caller: tuesday at 3\nAI: I'm sorry, that slot is taken. I couldn't book it.",
        "Caller: can you book me\nAI: Unfortunately I'm not able to confirm the booking right now.",
        "Caller: friday then\nAI: I wasn't able to schedule the appointment, the system is down.",
        # negated
        "Caller: is it booked\nAI: No, your appointment has not been booked yet.",
        # a promise, not a confirmation
        "Caller: ok\nAI: I'll book that for you once the manager approves it.",
    ],
)
def test_a_booking_discussed_offered_failed_or_negated_does_not_count(transcript: str) -> None:
    assert booked(call(transcript)) is False


def test_a_booking_cancelled_later_in_the_call_does_not_count() -> None:
    transcript = (
        "AI: You're booked for Monday at 9 am.\n"
        "Caller: actually wait, I just checked my calendar, please cancel that\n"
        "AI: No problem, I've cancelled your Monday appointment."
    )

    assert booked(call(transcript)) is False
    assert (
        booked(
            call(
                transcript
                + "\nCaller: book Tuesday instead\nAI: Done, you're booked for Tuesday at 9."
            )
        )
        is True
    )


def test_a_cancellation_the_receptionist_acknowledges_undoes_the_booking() -> None:
    transcript = (
        "AI: Your appointment is confirmed for Monday at 9.\n"
        "Caller: hmm you know what cancel it I'll call back\n"
        "AI: Okay, sure thing."
    )

    assert booked(call(transcript)) is False


def test_a_failure_after_a_change_undoes_the_earlier_booking() -> None:
    transcript = (
        "AI: Your appointment is set for March 9th at 2 pm.\n"
        "Caller: can you make it 4 instead\n"
        "AI: Sorry, that time is booked. Would another time work?\n"
        "Caller: no"
    )

    assert booked(call(transcript)) is False


def test_the_callers_acceptance_completes_an_implicit_confirmation() -> None:
    read_back = "Caller: friday at 10\nAI: So that's Friday at 10 am with Maria, correct?\n"

    assert (
        booked(call(read_back + "Caller: yes that's right\nAI: Perfect. Thanks for calling!"))
        is True
    )
    assert booked(call(read_back + "Caller: no, make it 11\nAI: Okay.")) is False
    assert (
        booked(call(read_back + "Caller: yes\nAI: Great, and what's your phone number?")) is False
    )


def test_a_statement_about_something_else_after_the_booking_keeps_it() -> None:
    transcript = (
        "AI: Your table has been booked, but unfortunately they don't have live music.\n"
        "Caller: is there parking\nAI: There's no parking on site, sorry."
    )

    assert booked(call(transcript)) is True


def test_the_caller_turning_down_the_booking_just_made_undoes_it() -> None:
    transcript = (
        "AI: I booked the appointment for next Tuesday at 12 pm.\nCaller: that doesn't work for me"
    )

    assert booked(call(transcript)) is False


@pytest.mark.parametrize(
    ("transcript", "requested"),
    [
        ("Caller: hi I'd like to make an appointment for a cleaning", True),
        ("Caller: can you book me in for friday", True),
        ("Caller: do you have any openings next week", True),
        ("AI: Would you like to book a table?\nCaller: yes please", True),
        ("AI: I can get you in Thursday at 2, does that work?\nCaller: yeah that works", True),
        ("AI: Would you like to book a table?\nCaller: no thanks", False),
        ("Caller: I don't want to book anything, just what are your hours", False),
        ("Caller: how much does an appointment cost", False),
        ("Caller: I'd like to get my hair cut, what do you charge", False),
    ],
)
def test_a_booking_request_is_read_from_the_caller(transcript: str, requested: bool) -> None:
    assert booking_requested(call(transcript)) is requested
