"""Scores of our call analysis on the tuning dialogs: `python -m bench.analytics` (`make
bench-analytics`).

Reads the labelled dialogs in place from the checkout's sibling `shared/data/dialogs/` (never
copied into the repo) and prints, for each measurement, its figures and the verdict on its target:

- booked: precision, recall and F1 of `booked()` against `labels.booked`;
- question detection: per caller turn, a turn with a labelled question against a turn in which
  `caller_questions()` finds one;
- tags: precision and recall of `booking` and `inquiry` against `labels.tags_gold`;
- throughput: calls per second of each function on one core, of the three together, and of the
  whole analysis as the worker runs it (every figure, then the questions embedded and each
  assigned to a topic of a catalogue of the dialogs' questions); the process is pinned to one core.

Each measurement is one function from the dialogs to its figures, listed in `MEASUREMENTS`; a new
one (topic grouping, embedding throughput) is a function added to that tuple.
"""

import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from humanadd.analytics import topics
from humanadd.analytics.analysis import analyse
from humanadd.analytics.booking import booked
from humanadd.analytics.embedding import Embedder
from humanadd.analytics.questions import caller_questions
from humanadd.analytics.tags import tags
from humanadd.analytics.transcript import Turn, from_object
from humanadd.config import get_settings

DIALOGS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dialogs"
TUNING = DIALOGS / "tuning_sgd_services_train.jsonl"


@dataclass(frozen=True)
class Dialog:
    """One labelled dialog: its turns as the analysis reads them, the raw turns and the labels."""

    id: str
    turns: list[Turn]
    raw: list[dict[str, Any]]
    labels: dict[str, Any]


@dataclass(frozen=True)
class Figure:
    """One printed figure, with its target when it has one (`value >= target` meets it)."""

    name: str
    value: float
    target: float | None = None
    unit: str = ""

    def line(self) -> str:
        shown = f"{self.value:,.0f}" if self.value >= 100 else f"{self.value:.3f}"
        text = f"{self.name}: {shown}{self.unit}"
        if self.target is not None:
            verdict = "met" if self.value >= self.target else "NOT met"
            text += f" (target ≥ {self.target:g}{self.unit}: {verdict})"
        return text


def load(path: Path = TUNING) -> list[Dialog]:
    """The dialogs of one JSON-lines file."""
    dialogs = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            raw = row["transcript_object"]
            dialogs.append(Dialog(row["id"], from_object(raw), raw, row["labels"]))
    return dialogs


def _ratios(name: str, tp: int, fp: int, fn: int, f1_target: float | None) -> list[Figure]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return [
        Figure(f"{name} precision", precision),
        Figure(f"{name} recall", recall),
        Figure(f"{name} F1 ({tp} right, {fp} false, {fn} missed)", f1, f1_target),
    ]


def _counts(pairs: Iterator[tuple[bool, bool]]) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for predicted, labelled in pairs:
        tp += predicted and labelled
        fp += predicted and not labelled
        fn += labelled and not predicted
    return tp, fp, fn


def booked_score(dialogs: Sequence[Dialog]) -> list[Figure]:
    """`booked()` against `labels.booked`, per dialog."""
    pairs = ((booked(d.turns), bool(d.labels["booked"])) for d in dialogs)
    return _ratios("booked", *_counts(pairs), f1_target=0.95)


def _caller_turns(dialog: Dialog) -> Iterator[tuple[int, list[Turn]]]:
    """Each caller turn's index in the raw transcript, with the agent turn before it (the context
    `caller_questions` reads)."""
    agent = ""
    for index, turn in enumerate(dialog.raw):
        if turn["role"] == "agent":
            agent = turn["content"]
        elif turn["role"] == "user":
            yield index, [Turn("agent", agent), Turn("user", turn["content"])]


def question_detection_score(dialogs: Sequence[Dialog]) -> list[Figure]:
    """Per caller turn: does it hold a labelled question, and does `caller_questions` find one?"""

    def pairs() -> Iterator[tuple[bool, bool]]:
        for dialog in dialogs:
            labelled = {question["turn"] for question in dialog.labels["questions"]}
            for index, turns in _caller_turns(dialog):
                yield bool(caller_questions(turns)), index in labelled

    return _ratios("question turns", *_counts(pairs()), f1_target=0.90)


def tag_scores(dialogs: Sequence[Dialog]) -> list[Figure]:
    """Precision and recall of the `booking` and `inquiry` tags against `labels.tags_gold`."""
    found = [
        tags(d.turns, booked=booked(d.turns), questions=caller_questions(d.turns)) for d in dialogs
    ]
    figures = []
    for tag in ("booking", "inquiry"):
        pairs = (
            (tag in got, tag in d.labels["tags_gold"])
            for got, d in zip(found, dialogs, strict=True)
        )
        figures += _ratios(f"tag {tag}", *_counts(pairs), f1_target=None)[:2]
    return figures


def _rate(dialogs: Sequence[Dialog], analyse: Callable[[list[Turn]], object]) -> float:
    """Calls per second of `analyse` over all dialogs, the best of three rounds (one process, so
    one core)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for dialog in dialogs:
            analyse(dialog.turns)
        best = min(best, time.perf_counter() - started)
    return len(dialogs) / best


def _all_three(turns: list[Turn]) -> list[str]:
    questions = caller_questions(turns)
    return tags(turns, booked=booked(turns), questions=questions)


def _whole_analysis(dialogs: Sequence[Dialog]) -> Callable[[list[Turn]], object]:
    """The worker's analysis of one call: `analyse`, then each question embedded and assigned
    to a topic of a catalogue re-clustered from every question of the dialogs."""
    embedder = Embedder(get_settings().models_dir)
    asked = [question for d in dialogs for question in caller_questions(d.turns)]
    vectors = topics.vectors(embedder, asked)
    catalogue = topics.recluster(
        [topics.Question(text, vector) for text, vector in zip(asked, vectors, strict=True)]
    ).topics

    def whole(turns: list[Turn]) -> object:
        result = analyse(turns)
        return [
            topics.assign(vector, catalogue)
            for vector in topics.vectors(embedder, result.questions)
        ]

    return whole


def throughput(dialogs: Sequence[Dialog]) -> list[Figure]:
    """Calls per second of each function, of the three together, and of the whole analysis with
    its topics (the issue's target: 200 calls/s)."""
    booked_flag = {id(d.turns): booked(d.turns) for d in dialogs}
    questions = {id(d.turns): caller_questions(d.turns) for d in dialogs}
    return [
        Figure("throughput booked", _rate(dialogs, booked), unit=" calls/s"),
        Figure("throughput caller_questions", _rate(dialogs, caller_questions), unit=" calls/s"),
        Figure(
            "throughput tags",
            _rate(
                dialogs,
                lambda turns: tags(
                    turns, booked=booked_flag[id(turns)], questions=questions[id(turns)]
                ),
            ),
            unit=" calls/s",
        ),
        Figure("throughput of the three together", _rate(dialogs, _all_three), unit=" calls/s"),
        Figure(
            "throughput of the whole analysis, topics included",
            _rate(dialogs, _whole_analysis(dialogs)),
            200,
            " calls/s",
        ),
    ]


MEASUREMENTS: tuple[Callable[[Sequence[Dialog]], list[Figure]], ...] = (
    booked_score,
    question_detection_score,
    tag_scores,
    throughput,
)


def main() -> None:
    """Load the tuning dialogs and print every measurement's figures."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    dialogs = load()
    print(f"{len(dialogs)} dialogs from {TUNING.name}, on one core")
    for measure in MEASUREMENTS:
        print(f"\n{measure.__name__}")
        for figure in measure(dialogs):
            print(f"  {figure.line()}")


if __name__ == "__main__":
    main()
