"""The question catalogue: joining a topic, starting one, re-clustering with stable ids."""

import re
from collections import Counter

import numpy as np
import pytest

from humanadd.analytics.embedding import Embedder
from humanadd.analytics.topics import (
    SAME_MEANING,
    Question,
    Topic,
    assign,
    average_link,
    join,
    recluster,
    start,
    vectors,
    wording_core,
)

# Caller questions to a few kinds of business, grouped by what they ask, written as callers say
# them (and as speech-to-text writes them: no `?`, fillers, lead-ins).
HAND = {
    "hours": [
        "What are your hours?",
        "When are you open?",
        "what time do you close",
        "um so uh what time do you guys close tonight",
        "what are your opening hours",
    ],
    "payment plans": [
        "Can I pay in installments?",
        "Do you offer payment plans?",
        "ok and can I split the payment into monthly payments",
    ],
    "parking": ["is there parking", "where do I park", "do you have a parking lot"],
    "insurance": ["do you take insurance", "I was wondering if you take my insurance"],
    "emergency": [
        "do you do emergency service",
        "is someone available after hours for emergencies",
    ],
}
UNRELATED = ["how much is a consultation with a divorce lawyer", "can you seat a party of eight"]

# Paraphrases that share no word that says what they ask, from the calls of different businesses:
# each pair must be one topic.
ACROSS_WORDS = [
    ("are you open on sunday", "what are your hours"),
    ("do you offer payment plans", "can I pay in installments"),
    ("where are you located", "what's your address"),
    ("do you take my insurance", "are you in network with aetna"),
    ("do you have vegetarian options", "is there anything gluten free"),
]
# Questions built alike that ask different things: each must be a topic of its own.
BUILT_ALIKE = [
    ["how much is a haircut", "how much is a service call", "how much is a consultation"],
    ["do you take walk ins", "do you take credit cards", "do you take my insurance"],
    ["can I bring my dog", "can I pay with cash", "can I cancel my appointment"],
    ["is there parking", "is there a warranty", "is there an elevator"],
]


@pytest.fixture(scope="session")
def embedder(pytestconfig: pytest.Config) -> Embedder:
    return Embedder(pytestconfig.cache.mkdir("humanadd-models"))


def _axis(index: int, dimensions: int = 8, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """A unit vector near axis `index`, for tests that need exact geometry."""
    vector = np.zeros(dimensions, dtype=np.float32)
    vector[index] = 1.0
    vector += np.random.default_rng(seed).normal(0, noise, dimensions).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _question(text: str, index: int, topic_id: str | None = None, seed: int = 0) -> Question:
    return Question(text, _axis(index, noise=0.05, seed=seed), topic_id)


def test_paraphrases_become_one_topic_and_unrelated_questions_their_own(
    embedder: Embedder,
) -> None:
    texts = [text for group in HAND.values() for text in group] + UNRELATED
    kinds = [kind for kind, group in HAND.items() for _ in group] + UNRELATED

    regrouping = recluster(
        [
            Question(text, vector)
            for text, vector in zip(texts, vectors(embedder, texts), strict=True)
        ]
    )

    by_topic: dict[str, set[str]] = {}
    for kind, topic_id in zip(kinds, regrouping.topic_ids, strict=True):
        by_topic.setdefault(topic_id, set()).add(kind)
    assert sorted(sorted(kinds_of_topic) for kinds_of_topic in by_topic.values()) == sorted(
        [kind] for kind in set(kinds)
    )
    labels = {topic.label for topic in regrouping.topics}
    assert labels <= {wording_core(text) for text in texts}
    assert regrouping.merged == {}


def test_paraphrases_without_a_shared_word_become_one_topic(embedder: Embedder) -> None:
    texts = [text for pair in ACROSS_WORDS for text in pair]

    ids = recluster(
        [
            Question(text, vector)
            for text, vector in zip(texts, vectors(embedder, texts), strict=True)
        ]
    ).topic_ids

    assert [ids[index] == ids[index + 1] for index in range(0, len(ids), 2)] == [True] * len(
        ACROSS_WORDS
    )
    assert len(set(ids)) == len(ACROSS_WORDS)


@pytest.mark.parametrize("texts", BUILT_ALIKE)
def test_questions_built_alike_about_different_things_stay_apart(
    embedder: Embedder, texts: list[str]
) -> None:
    regrouping = recluster(
        [
            Question(text, vector)
            for text, vector in zip(texts, vectors(embedder, texts), strict=True)
        ]
    )

    assert len(set(regrouping.topic_ids)) == len(texts)


def test_a_new_question_joins_the_topic_that_means_the_same(embedder: Embedder) -> None:
    catalogue = []
    for text in [
        "What are your hours?",
        "what are your opening hours",
        "Do you offer payment plans?",
    ]:
        question = Question(text, vectors(embedder, [text])[0])
        joined = assign(question.vector, catalogue)
        if joined is None:
            catalogue.append(start(question))
        else:
            catalogue = [join(t, question.vector) if t.id == joined else t for t in catalogue]
    hours, plans = catalogue

    asked = vectors(
        embedder,
        ["uh how late are you open", "can I pay in installments", "do you fix garage doors"],
    )

    assert [assign(vector, catalogue) for vector in asked] == [hours.id, plans.id, None]
    assert (hours.size, plans.size) == (2, 1)
    assert hours.label == "What are your hours?"


def test_assign_takes_the_nearest_topic_above_the_threshold_only() -> None:
    near_first = Topic("tq_first", "first", _axis(0), 3)
    near_second = Topic("tq_second", "second", _axis(1), 1)
    between = (_axis(0) * 0.6 + _axis(1) * 0.8).astype(np.float32)

    assert assign(between, [near_first, near_second]) == "tq_second"
    assert assign(_axis(2), [near_first, near_second]) is None
    assert assign(_axis(0), []) is None
    assert assign(between, [near_first], threshold=0.61) is None
    assert assign(between, [near_first], threshold=0.6) == "tq_first"


def test_start_and_join_keep_the_centroid_the_members_mean() -> None:
    topic = start(Question("ok so what are your hours", _axis(0)))

    assert re.fullmatch(r"tq_[0-9A-Za-z]{20}", topic.id)
    assert (topic.label, topic.size) == ("what are your hours", 1)
    grown = join(topic, _axis(1))
    assert (grown.id, grown.label, grown.size) == (topic.id, topic.label, 2)
    assert np.allclose(grown.centroid, (_axis(0) + _axis(1)) / 2)
    # The centroid's dot product with a question is its mean similarity to the members.
    assert float(grown.centroid @ _axis(1)) == pytest.approx(0.5)


def test_reclustering_again_keeps_every_id_and_new_questions_join_them() -> None:
    first = recluster([_question(f"a{n}", 0, seed=n) for n in range(3)] + [_question("b", 1)])
    a_id, b_id = first.topic_ids[0], first.topic_ids[3]
    again = [Question(f"a{n}", _axis(0, noise=0.05, seed=n), a_id) for n in range(3)] + [
        Question("b", _axis(1, noise=0.05), b_id),
        _question("a new", 0, seed=9),
        _question("c", 2),
    ]

    second = recluster(again)

    assert second.topic_ids[:5] == [a_id, a_id, a_id, b_id, a_id]
    assert second.topic_ids[5] not in (a_id, b_id)
    assert second.topic_ids[5].startswith("tq_")
    assert second.merged == {}
    assert [(topic.id, topic.size) for topic in second.topics] == [
        (a_id, 4),
        (b_id, 1),
        (second.topic_ids[5], 1),
    ]


def test_topics_that_mean_the_same_merge_into_the_larger_one() -> None:
    questions = [_question(f"big {n}", 0, "tq_big", seed=n) for n in range(3)] + [
        _question(f"small {n}", 0, "tq_small", seed=10 + n) for n in range(2)
    ]

    regrouping = recluster(questions)

    assert regrouping.topic_ids == ["tq_big"] * 5
    assert regrouping.merged == {"tq_small": "tq_big"}
    assert [(topic.id, topic.size) for topic in regrouping.topics] == [("tq_big", 5)]


def test_a_topic_that_falls_apart_keeps_its_id_where_most_of_it_went() -> None:
    questions = [
        _question("stays 1", 0, "tq_old", seed=1),
        _question("stays 2", 0, "tq_old", seed=2),
        _question("leaves", 1, "tq_old", seed=3),
        _question("split 1", 2, "tq_even", seed=4),
        _question("split 2", 3, "tq_even", seed=5),
    ]

    regrouping = recluster(questions)

    ids = regrouping.topic_ids
    assert ids[:2] == ["tq_old", "tq_old"]
    assert len({ids[2], ids[3], ids[4], "tq_old"}) == 4
    # Neither half holds a majority of tq_even: the id retires and answers as the first half's.
    assert regrouping.merged == {"tq_even": ids[3]}


def test_the_label_is_the_member_nearest_the_centroid() -> None:
    mixed = (_axis(0) + _axis(1)) / np.sqrt(2)
    questions = [
        Question("leaning one way", (_axis(0) * 0.9 + _axis(1) * 0.43).astype(np.float32)),
        Question("Yes, thanks. Right in the middle?", mixed.astype(np.float32)),
        Question("leaning the other", (_axis(0) * 0.43 + _axis(1) * 0.9).astype(np.float32)),
    ]

    (topic,) = recluster(questions).topics

    assert topic.label == "Right in the middle?"


def test_nothing_to_recluster() -> None:
    regrouping = recluster([])

    assert (regrouping.topics, regrouping.topic_ids, regrouping.merged) == ([], [], {})


def _textbook_average_link(points: np.ndarray, threshold: float) -> list[list[int]]:
    clusters = [[index] for index in range(len(points))]
    similarity = points @ points.T
    while len(clusters) > 1:
        best, pair = -np.inf, (0, 0)
        for a in range(len(clusters)):
            for b in range(a + 1, len(clusters)):
                mean = similarity[np.ix_(clusters[a], clusters[b])].mean()
                if mean > best:
                    best, pair = mean, (a, b)
        if best < threshold:
            break
        a, b = pair
        clusters[a] = sorted(clusters[a] + clusters[b])
        del clusters[b]
    return clusters


@pytest.mark.parametrize("threshold", [0.1, 0.3, 0.5])
def test_average_link_makes_the_textbook_clusters(threshold: float) -> None:
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(5, 12))
    points = np.concatenate([centre + rng.normal(0, 0.8, size=(8, 12)) for centre in centres])
    points = (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)

    found = average_link(points, threshold)

    assert sorted(found) == sorted(_textbook_average_link(points, threshold))
    assert sorted(index for group in found for index in group) == list(range(len(points)))


@pytest.mark.parametrize(
    ("wording", "core"),
    [
        ("What are your hours?", "What are your hours?"),
        ("Yes, that's correct. What's the address?", "What's the address?"),
        ("That works for me. Is there parking? Thanks.", "Is there parking?"),
        ("ok great and do you take insurance", "do you take insurance"),
        ("um so uh what time do you close", "what time do you close"),
        ("I was wondering if you take walk ins", "you take walk ins"),
        ("can you tell me the address", "the address"),
        ("thank you", "thank you"),
    ],
)
def test_the_core_of_a_wording_drops_lead_ins(wording: str, core: str) -> None:
    assert wording_core(wording) == core


def test_same_meaning_threshold_is_the_one_recluster_uses() -> None:
    # Two questions whose similarity sits just either side of the threshold.
    close = np.array([1.0, 0.0], dtype=np.float32)
    at = np.array([SAME_MEANING, np.sqrt(1 - SAME_MEANING**2)], dtype=np.float32)
    below = np.array(
        [SAME_MEANING - 0.01, np.sqrt(1 - (SAME_MEANING - 0.01) ** 2)], dtype=np.float32
    )

    assert len(recluster([Question("a", close), Question("b", at)]).topics) == 1
    assert len(recluster([Question("a", close), Question("b", below)]).topics) == 2
    assert Counter(
        len(group) for group in average_link(np.stack([close, below]), SAME_MEANING)
    ) == {1: 2}


def test_a_label_is_a_wording_written_as_a_question_when_one_is_as_typical(
    embedder: Embedder,
) -> None:
    texts = ["what are your hours", "um what are your hours", "What are your hours?"]

    (topic,) = recluster(
        [
            Question(text, vector)
            for text, vector in zip(texts, vectors(embedder, texts), strict=True)
        ]
    ).topics

    assert topic.label == "What are your hours?"
