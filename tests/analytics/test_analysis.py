"""A call's whole analysis, every figure from the same turns."""

from humanadd.analytics.analysis import Analysis, analyse
from humanadd.analytics.transcript import from_text


def test_a_booked_call_with_a_question() -> None:
    turns = from_text(
        "AI: Comfort Air, this is Ava, how can I help?\n"
        "Caller: hi um I'd like to schedule a tune up for my furnace\n"
        "AI: I can book you for Tuesday at 9am. Does that work?\n"
        "Caller: yes that works and how much is it\n"
        "AI: The tune-up is $129. You're all set for Tuesday at 9am.\n"
        "Caller: perfect thank you so much"
    )

    analysis = analyse(turns)

    assert analysis == Analysis(
        sentiment="neutral",  # "perfect, thank you so much" is how nearly every call ends
        summary="The caller wanted to schedule a tune up for their furnace. "
        "The receptionist confirmed the booking.",
        tags=["booking", "inquiry", "pricing"],
        booked=True,
        questions=["how much is it"],
    )


def test_a_call_where_the_caller_said_nothing() -> None:
    analysis = analyse(from_text("AI: Hello? Is anyone there?"))

    assert analysis == Analysis(sentiment=None, summary=None, tags=[], booked=False, questions=[])
