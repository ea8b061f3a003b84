"""The caller's questions, found in text as speech-to-text writes it."""

import pytest

from humanadd.analytics.questions import caller_questions, clauses
from humanadd.analytics.transcript import Turn

READ_BACK = "Okay, that's Tuesday at 3 pm with Dr. Lee. Is that right?"


def asked(caller: str, agent: str = "Thanks for calling, how can I help?") -> list[str]:
    return caller_questions([Turn("agent", agent), Turn("user", caller)])


@pytest.mark.parametrize(
    ("caller", "questions"),
    [
        ("umm so uh what time do you close", ["what time do you close"]),
        ("ok and do they have a happy hour", ["do they have a happy hour"]),
        ("What are your hours on Saturday?", ["What are your hours on Saturday?"]),
        ("where are you guys located", ["where are you guys located"]),
        ("how much for a filling", ["how much for a filling"]),
        ("do you accept Delta Dental", ["do you accept Delta Dental"]),
        ("you're open on sunday?", ["you're open on sunday?"]),
        ("can I pay in installments", ["can I pay in installments"]),
        ("is the consultation free", ["is the consultation free"]),
        ("do you guys do tankless water heaters", ["do you guys do tankless water heaters"]),
    ],
)
def test_direct_questions_are_found_with_or_without_punctuation(
    caller: str, questions: list[str]
) -> None:
    assert asked(caller) == questions


@pytest.mark.parametrize(
    ("caller", "questions"),
    [
        ("I was wondering if you take insurance", ["I was wondering if you take insurance"]),
        ("can you tell me the address", ["can you tell me the address"]),
        ("I need to know how much it costs", ["I need to know how much it costs"]),
        ("would you be able to tell me your hours", ["would you be able to tell me your hours"]),
        ("do you know if they validate parking", ["do you know if they validate parking"]),
        ("give me your phone number please", ["give me your phone number please"]),
        ("ok I need the price list", ["I need the price list"]),
        ("I'm calling to see if you have parking", ["I'm calling to see if you have parking"]),
        ("i had a question about my bill", ["i had a question about my bill"]),
    ],
)
def test_indirect_questions_keep_their_own_wording(caller: str, questions: list[str]) -> None:
    assert asked(caller) == questions


def test_a_run_on_turn_without_punctuation_gives_each_question_its_own_span() -> None:
    caller = (
        "yeah hi um my heater stopped working and uh how much do you charge for a service call"
        " and are you open on saturdays"
    )

    assert asked(caller) == [
        "how much do you charge for a service call",
        "are you open on saturdays",
    ]
    assert asked("ok so what time do you open tomorrow also do you take walk ins") == [
        "what time do you open tomorrow",
        "do you take walk ins",
    ]
    assert asked("how long does a root canal take do I need to take the day off") == [
        "how long does a root canal take",
        "do I need to take the day off",
    ]


def test_an_indirect_question_inside_a_run_on_turn_starts_its_own_span() -> None:
    caller = (
        "hi yeah um i'm calling because my furnace is making a weird noise and uh i was wondering"
        " how soon you could get someone out here"
    )

    assert asked(caller) == ["i was wondering how soon you could get someone out here"]
    assert asked("ok so do you guys service carrier units and uh what's the diagnostic fee") == [
        "do you guys service carrier units",
        "what's the diagnostic fee",
    ]


def test_an_indirect_form_around_a_request_is_a_request() -> None:
    assert asked("I was wondering if you could send someone out today") == []
    assert asked("I was wondering if you could tell me your hours") == [
        "I was wondering if you could tell me your hours"
    ]


def test_a_statement_with_a_right_tag_is_asked_like_one_with_a_question_mark() -> None:
    assert asked("you guys are open till five right") == ["you guys are open till five right"]
    assert asked("ok so that's tuesday at 3 right", READ_BACK) == []


def test_punctuated_turns_are_cut_at_sentences_and_at_commas_before_a_question() -> None:
    caller = "Yes, thank you, can you give me the address? Also, is it expensive. Great."

    assert asked(caller) == ["can you give me the address?", "is it expensive"]
    # Abbreviations do not end a sentence; a comma before a statement does not cut it.
    assert clauses("Thanks, Dr. Lee. See you at 3 p.m. tomorrow! Ok?") == [
        ("Thanks, Dr. Lee", False),
        ("See you at 3 p.m. tomorrow", False),
        ("Ok", True),
    ]


@pytest.mark.parametrize(
    "caller",
    [
        "I know what time you close",
        "I don't know where it is",
        "what I need is a new filter",
        "when I called last week nobody answered",
        "my name is John and my number is 555 1234",
        "I was calling because my tooth hurts",
    ],
)
def test_statements_with_question_words_are_not_questions(caller: str) -> None:
    assert asked(caller) == []


@pytest.mark.parametrize(
    "caller",
    [
        "I'd like to book a table for four",
        "can I make an appointment for Tuesday",
        "can I book a cleaning",
        "could you book me in for Friday morning",
        "do you have any openings on friday",
        "is there anything available at 4:30",
        "is he free on the 13th",
        "how about Thursday at 2",
        "can you send someone out today",
        "could you help me",
        "are there any others",
    ],
)
def test_requests_to_book_or_to_act_are_not_questions(caller: str) -> None:
    assert asked(caller) == []


@pytest.mark.parametrize(
    "caller",
    [
        "how are you",
        "hi can you hear me",
        "are you still there",
        "sorry what was that",
        "can you repeat that",
        "correct?",
        "thank you so much",
        "how's your day going",
        "that's all thanks bye",
    ],
)
def test_pleasantries_and_repair_are_not_questions(caller: str) -> None:
    assert asked(caller) == []


def test_confirming_what_the_agent_read_back_is_not_a_question() -> None:
    assert asked("is that right", READ_BACK) == []
    assert asked("yes that's right. Tuesday at 3 with Dr. Lee?", READ_BACK) == []
    assert asked("yes. and is parking free?", READ_BACK) == ["is parking free?"]


def test_questions_come_from_caller_turns_only_in_order() -> None:
    turns = [
        Turn("agent", "What time works for you?"),
        Turn("user", "um do you take walk ins"),
        Turn("agent", "We do. Anything else?"),
        Turn("user", "yeah what's your address"),
    ]

    assert caller_questions(turns) == ["do you take walk ins", "what's your address"]
    assert caller_questions([]) == []
