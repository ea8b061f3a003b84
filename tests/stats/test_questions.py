"""Top questions: grouped by normalised text, counted once per call, shown in the wording most
calls used (docs/stats.md)."""

from tests.conftest import AddCalls, MakeAccount
from tests.stats.builders import call
from tests.stats.conftest import NOW, ComputeStats


async def test_top_questions_group_by_normalised_text_in_the_most_used_wording(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call(NOW - 1, questions=["What are your hours?"]),
            call(NOW - 2, questions=["what are your hours"]),
            call(NOW - 3, questions=["What are  your HOURS?!"]),
            call(NOW - 4, questions=["What are your hours?", "Do you take Visa?"]),
            call(NOW - 5, questions=["Do you take visa?"]),
            call(NOW - 6, questions=["Can I book for Friday?"]),
        ],
    )
    stats = await stats_of(account)
    assert [(q.question, q.count) for q in stats.top_questions] == [
        ("What are your hours?", 4),
        ("Do you take Visa?", 2),  # tie between wordings: alphabetically first ("D" < "d")
        ("Can I book for Friday?", 1),
    ]


async def test_a_call_asking_a_question_twice_counts_once(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call(NOW - 1, questions=["Are you open?", "are you open?", "Are you OPEN?"]),
            call(NOW - 2, questions=["Is parking free?"]),
            call(NOW - 3, questions=["Is parking free?"]),
        ],
    )
    stats = await stats_of(account)
    assert [(q.question, q.count) for q in stats.top_questions] == [
        ("Is parking free?", 2),
        ("Are you open?", 1),  # the call counts once, with the wording it used first
    ]


async def test_wordings_tied_between_calls_show_the_first_in_character_order(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call(NOW - 1, questions=["are you open?"]),
            call(NOW - 2, questions=["Are you OPEN?"]),
            call(NOW - 3, questions=["Are you open?"]),
        ],
    )
    stats = await stats_of(account)
    assert [(q.question, q.count) for q in stats.top_questions] == [("Are you OPEN?", 3)]


async def test_the_wording_shown_is_the_one_most_calls_used(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call(NOW - 1, questions=["how much is a tune-up?"]),
            call(NOW - 2, questions=["How much is a tune up?"]),
            call(NOW - 3, questions=["How much is a tune up?"]),
        ],
    )
    stats = await stats_of(account)
    assert [(q.question, q.count) for q in stats.top_questions] == [("How much is a tune up?", 3)]


async def test_top_questions_are_at_most_ten_most_asked_first_ties_by_text(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    asked = {
        f"Question {letter}?": count
        for letter, count in zip("abcdefghijkl", range(12), strict=True)
    }
    asked.update({"Question m?": 5, "Question n?": 5, "Another one?": 5})
    records = [
        call(NOW - 1000 * n - i, questions=[text])
        for n, (text, count) in enumerate(asked.items())
        for i in range(count)
    ]
    await add_calls(account, records)
    stats = await stats_of(account)
    assert [(q.question, q.count) for q in stats.top_questions] == [
        ("Question l?", 11),
        ("Question k?", 10),
        ("Question j?", 9),
        ("Question i?", 8),
        ("Question h?", 7),
        ("Question g?", 6),
        ("Another one?", 5),
        ("Question f?", 5),
        ("Question m?", 5),
        ("Question n?", 5),
    ]
