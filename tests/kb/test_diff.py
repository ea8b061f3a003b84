"""The review queue's diff: what a held change would do to the current text, and the queue
that shows it."""

from humanadd.dependencies import Services
from humanadd.kb import changes
from humanadd.kb.diff import DiffLine, proposed_diff
from tests.conftest import MakeAccount
from tests.kb.support import queue, review

SAME, DEL, INS = "same", "del", "ins"


def lines(hunk: list[DiffLine]) -> list[tuple[str, str]]:
    return [(line.kind, line.text) for line in hunk]


def test_an_append_adds_its_lines_after_a_blank_line_with_the_last_lines_as_context() -> None:
    current = ["Line 1\nLine 2\nLine 3\nLine 4", "Parking: behind."]

    [hunk] = proposed_diff(current, "Open Sundays.\nClosed Mondays.", replace=False)

    assert lines(hunk) == [
        (SAME, "Line 4"), (SAME, ""), (SAME, "Parking: behind."),
        (INS, ""), (INS, "Open Sundays."), (INS, "Closed Mondays."),
    ]  # fmt: skip


def test_a_replace_removes_every_line_it_does_not_keep() -> None:
    [hunk] = proposed_diff(["Hours: 9-5.", "Parking: behind."], "Hours: 9-5.", replace=True)

    assert lines(hunk) == [(SAME, "Hours: 9-5."), (DEL, ""), (DEL, "Parking: behind.")]


def test_the_first_change_of_an_empty_knowledge_base_only_adds() -> None:
    [hunk] = proposed_diff([], "Hello.", replace=False)

    assert lines(hunk) == [(INS, "Hello.")]


def test_changes_far_apart_are_separate_hunks() -> None:
    current = ["\n".join(f"Line {n}" for n in range(20))]
    text = "\n".join("Changed" if n in (1, 18) else f"Line {n}" for n in range(20))

    hunks = proposed_diff(current, text, replace=True)

    assert [[line.text for line in hunk if line.kind != SAME] for hunk in hunks] == [
        ["Line 1", "Changed"],
        ["Line 18", "Changed"],
    ]


async def test_the_review_queue_holds_every_accounts_held_changes_with_their_diff(
    services: Services, make_account: MakeAccount
) -> None:
    first = await make_account()
    second = await make_account()
    await queue(services, first, "Hours: 9-5.")
    await review(services, first)
    held_first = await queue(services, first, "The back office password: Tulip2026")
    held_second = await queue(services, second, "password: hunter2")
    await review(services, first)
    await review(services, second)

    async with services.sessions() as session:
        found = {held.change.id: held for held in await changes.review_queue(session)}

    assert found[held_first].current_version == 1
    assert [lines(hunk) for hunk in found[held_first].diff] == [
        [(SAME, "Hours: 9-5."), (INS, ""), (INS, "The back office password: Tulip2026")]
    ]
    assert found[held_second].current_version == 0
    assert found[held_second].change.findings == ["secret"]
