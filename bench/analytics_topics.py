"""Issue 14's scoring of questions grouped by meaning: `python -m bench.analytics_topics`.

On the tuning dialogs (read in place from the shared data folder, the checkout's sibling):
- **grouping**: the single-type labelled caller questions go through the catalogue as the worker
  will put them, one by one in file order (`assign`, else `start`), then one `recluster`; ACC
  (the best one-to-one matching of topics to question types, Hungarian) and NMI against the
  types, after the online pass and after re-clustering;
- the same **grouping on other businesses**: the hand-written questions of
  `bench.questions_general` (about thirty kinds of question to dentists, contractors, lawyers,
  salons, restaurants, hotels…, as speech-to-text writes them), in a fixed shuffled order, its
  tuning half and its held-out half scored apart;
- **embedding throughput** on one core: sentences/s of the static table, in one batch and one
  call's questions at a time, and of the exact encoder for comparison;
- **re-clustering time** for 10,000 questions (distinct turns of the same dialogs);
- how long the static table took to build, when this run built it.

The process is pinned to one core. Targets (issue 14, requirement 9): ACC >= 0.85, re-clustering
<= 30 s.
"""

import argparse
import math
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import orjson

from bench import questions_general
from humanadd.analytics import topics
from humanadd.analytics.embedding import Embedder, Encoder, table_path
from humanadd.analytics.topics import Question, Topic
from humanadd.config import get_settings

DIALOGS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dialogs"
TUNING_FILE = DIALOGS / "tuning_sgd_services_train.jsonl"
ACC_TARGET = 0.85
RECLUSTER_TARGET_SECONDS = 30.0
RECLUSTER_SIZE = 10_000


def read_dialogs(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def labelled_questions(dialogs: Sequence[dict[str, object]]) -> list[tuple[str, str]]:
    """(wording, type) of every labelled question with exactly one type."""
    found = []
    for dialog in dialogs:
        labels = dialog["labels"]
        assert isinstance(labels, dict)
        for question in labels["questions"]:
            if len(question["types"]) == 1:
                found.append((question["text"], question["types"][0]))
    return found


def distinct_turns(dialogs: Sequence[dict[str, object]], limit: int) -> list[str]:
    seen: dict[str, None] = {}
    for dialog in dialogs:
        turns = dialog["transcript_object"]
        assert isinstance(turns, list)
        for turn in turns:
            seen.setdefault(turn["content"], None)
    return list(seen)[:limit]


def hungarian(cost: np.ndarray) -> list[tuple[int, int]]:
    """The (row, column) pairs of a minimum-cost one-to-one assignment; rows <= columns
    (Kuhn-Munkres with potentials, O(rows² · columns))."""
    rows, columns = cost.shape
    u, v = np.zeros(rows + 1), np.zeros(columns + 1)
    owner = np.zeros(columns + 1, dtype=int)  # owner[j]: the row (1-based) column j holds
    way = np.zeros(columns + 1, dtype=int)
    for row in range(1, rows + 1):
        owner[0], column = row, 0
        least = np.full(columns + 1, math.inf)
        used = np.zeros(columns + 1, dtype=bool)
        while owner[column] != 0:
            used[column] = True
            current = owner[column]
            reduced = cost[current - 1] - u[current] - v[1:]
            free = ~used[1:]
            better = free & (reduced < least[1:])
            least[1:][better] = reduced[better]
            way[1:][better] = column
            candidates = np.where(free, least[1:], math.inf)
            step_column = int(np.argmin(candidates)) + 1
            delta = candidates[step_column - 1]
            u[owner[used]] += delta
            v[used] -= delta
            least[1:][free] -= delta
            column = step_column
        while column:
            previous = way[column]
            owner[column] = owner[previous]
            column = previous
    return [(int(owner[j]) - 1, j - 1) for j in range(1, columns + 1) if owner[j]]


def grouping_accuracy(types: Sequence[str], groups: Sequence[str]) -> float:
    """The share of questions whose topic is matched to their type, one topic per type."""
    type_index = {name: i for i, name in enumerate(sorted(set(types)))}
    group_index = {name: i for i, name in enumerate(sorted(set(groups)))}
    counts = np.zeros((len(type_index), len(group_index)))
    for kind, group in zip(types, groups, strict=True):
        counts[type_index[kind], group_index[group]] += 1
    if counts.shape[0] > counts.shape[1]:
        counts = counts.T
    matched = sum(counts[row, column] for row, column in hungarian(-counts))
    return float(matched / len(types))


def normalised_mutual_information(a: Sequence[str], b: Sequence[str]) -> float:
    """NMI with the arithmetic mean of the two entropies."""
    n = len(a)
    joint, left, right = Counter(zip(a, b, strict=True)), Counter(a), Counter(b)
    mutual = sum(c / n * math.log(c * n / (left[x] * right[y])) for (x, y), c in joint.items())

    def entropy(counts: Counter[str]) -> float:
        return -sum(c / n * math.log(c / n) for c in counts.values())

    total = entropy(left) + entropy(right)
    return 2 * mutual / total if total else 1.0


def online(questions: Sequence[Question]) -> list[Question]:
    """The questions with the topic each got as it arrived, as the worker assigns them."""
    catalogue: list[Topic] = []
    placed = []
    for question in questions:
        topic_id = topics.assign(question.vector, catalogue)
        if topic_id is None:
            topic = topics.start(question)
            catalogue.append(topic)
            topic_id = topic.id
        else:
            catalogue = [
                topics.join(topic, question.vector) if topic.id == topic_id else topic
                for topic in catalogue
            ]
        placed.append(Question(question.text, question.vector, topic_id))
    return placed


def score_grouping(embedder: Embedder, name: str, labelled: Sequence[tuple[str, str]]) -> None:
    """Print ACC and NMI of `labelled` (wording, type) put in a catalogue as the worker does."""
    texts, types = [text for text, _ in labelled], [kind for _, kind in labelled]
    vectors = topics.vectors(embedder, texts)
    placed = online([Question(text, vector) for text, vector in zip(texts, vectors, strict=True)])
    regrouped = topics.recluster(placed)
    print(f"grouping, {name}: {len(texts)} single-type questions, {len(set(types))} types")
    for stage, ids in (
        ("online", [q.topic_id or "" for q in placed]),
        ("re-clustered", regrouped.topic_ids),
    ):
        print(
            f"  {stage:>12}: ACC {grouping_accuracy(types, ids):.3f}  NMI "
            f"{normalised_mutual_information(types, ids):.3f}  topics {len(set(ids))}"
        )
    accuracy = grouping_accuracy(types, regrouped.topic_ids)
    verdict = "met" if accuracy >= ACC_TARGET else "NOT met"
    print(f"  target ACC >= {ACC_TARGET} after re-clustering: {verdict}")


def rate(work: int, seconds: float) -> str:
    return f"{work / seconds:,.0f}/s"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=get_settings().data_dir / "models")
    args = parser.parse_args(argv)
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        # numpy's BLAS reads its thread count once, on import: start again with one thread.
        environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
        command = [sys.executable, "-m", "bench.analytics_topics", *(argv or sys.argv[1:])]
        os.execve(sys.executable, command, environment)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    dialogs = read_dialogs(TUNING_FILE)

    built = not table_path(args.cache).exists()
    started = time.perf_counter()
    embedder = Embedder(args.cache)
    load = time.perf_counter() - started
    how = "built" if built else "read from the cache"
    print(f"static table: {how} in {load:.1f} s ({table_path(args.cache)})")

    labelled = labelled_questions(dialogs)
    texts = [text for text, _ in labelled]
    score_grouping(embedder, f"tuning dialogs ({TUNING_FILE.name})", labelled)
    for name, half in (
        ("other businesses, tuning half", questions_general.TUNING),
        ("other businesses, held-out half", questions_general.HELD_OUT),
    ):
        shuffled = questions_general.labelled(half)
        random.Random(0).shuffle(shuffled)
        score_grouping(embedder, name, shuffled)

    sentences = distinct_turns(dialogs, RECLUSTER_SIZE)
    started = time.perf_counter()
    embedder.encode(sentences)
    batch = time.perf_counter() - started
    started = time.perf_counter()
    for text in texts:
        topics.vectors(embedder, [text])
    one_by_one = time.perf_counter() - started
    encoder = Encoder()
    sample = texts[:300]
    started = time.perf_counter()
    encoder.encode(sample)
    exact = time.perf_counter() - started
    print("embedding, one core:")
    print(
        f"  static table, one batch of {len(sentences):,}: {rate(len(sentences), batch)} sentences"
    )
    print(f"  static table, one question at a time: {rate(len(texts), one_by_one)} sentences")
    print(f"  exact encoder, batches of 64: {rate(len(sample), exact)} sentences")

    turn_vectors = topics.vectors(embedder, sentences)
    previous = online([Question(t, v) for t, v in zip(sentences, turn_vectors, strict=True)])
    started = time.perf_counter()
    result = topics.recluster(previous)
    seconds = time.perf_counter() - started
    verdict = "met" if seconds <= RECLUSTER_TARGET_SECONDS else "NOT met"
    print(
        f"re-clustering {len(previous):,} questions: {seconds:.1f} s, {len(result.topics):,} "
        f"topics, {len(result.merged):,} ids merged "
        f"(target <= {RECLUSTER_TARGET_SECONDS:.0f} s: {verdict})"
    )


if __name__ == "__main__":
    main()
