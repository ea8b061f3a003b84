"""The simulated receptionist answers from the knowledge base in its own words."""

import pytest

from humanadd.demo.receptionist import answer, spoken

KNOWLEDGE = [
    "Our new hours are 8am-7pm M-F. We are closed on public holidays.",
    "We accept Visa, Mastercard & Apple Pay.",
    "We do not take walk-ins.",
    "Customers must cancel 24 hours ahead.",
]


@pytest.mark.parametrize(
    ("question", "topic", "said"),
    [
        ("What are your hours?", "hours", "We're now open 8am to 7pm, Monday through Friday."),
        ("Can I pay with Visa?", "pricing", "Yes, we accept Visa, Mastercard and Apple Pay."),
        ("Do you take walk-ins?", "walk-in", "I'm afraid we do not take walk-ins."),
        ("How late can I cancel?", "cancellation", "You'll need to cancel 24 hours ahead."),
        (
            "Are you open on public holidays?",
            "hours",
            "I'm afraid we're closed on public holidays.",
        ),
    ],
)
def test_the_most_relevant_fact_is_said_as_a_receptionist_says_it(
    question: str, topic: str, said: str
):
    assert answer(KNOWLEDGE, question, topic) == said


def test_nothing_on_the_question_is_no_answer():
    assert answer(KNOWLEDGE, "Where are you located?", "location") is None


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("Our hours are Mon-Sat 9am - 5pm", "We're open Monday through Saturday 9am to 5pm."),
        ("Open Tue\u2013Thu, 10am\u20136pm; Sun closed.",
         "Open Tuesday through Thursday, 10am to 6pm; Sunday closed."),
        ("We answer emergencies 24/7.", "We answer emergencies around the clock."),
        ("Patients can park behind the building.", "You can park behind the building."),
        ("We will call you back.", "We'll call you back."),
    ],
)  # fmt: skip
def test_written_shorthand_is_spoken_out(written: str, said: str):
    assert spoken(written) == said
