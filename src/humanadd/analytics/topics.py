"""An account's catalogue of question topics, as pure functions over question vectors
(`embedding.Embedder`): a new question joins the nearest topic that means the same
(`assign`), else starts one (`start`); `recluster` groups all of an account's questions again,
keeping topic ids stable and saying which ids merged into which.

One rule decides "means the same" everywhere: average-link similarity, the mean cosine between the
questions of two groups, at least `SAME_MEANING`. A topic's centroid is the plain mean of its
members' unit vectors, so a question's dot product with it is exactly its average-link similarity
to the topic: `assign` and `recluster` cannot disagree about a question."""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from humanadd.analytics.embedding import Embedder, Vectors
from humanadd.ids import new_id

# See docs/analytics.md, "Questions grouped by meaning (topics)", for how it was chosen.
SAME_MEANING = 0.35


# What callers say before the question itself: acknowledgements, fillers, and the frames of an
# indirect question ("can you tell me", "I was wondering if"). None of it says what is asked.
_LEAD = re.compile(
    r"^(?:(?:yes|yeah|yep|yup|no|nope|ok|okay|alright|all right|sure|great|perfect|cool|fine|good"
    r"|awesome|excellent|wonderful|lovely|so|um+|uh+|uhm|erm|hmm+|and|also|oh|well|hi|hello|hey"
    r"|thanks|thank you|please|actually|then|one more thing|quick question"
    r"|that(?:'s| is| sounds| works)(?: (?:correct|right|fine|great|good|perfect|for me))*"
    r"|sounds (?:good|great|fine)|just|i (?:was |am |'m )?(?:just )?wondering"
    r"|i wanted to (?:ask|know)"
    r"|i(?:'d| would) like to know|i want to know|may i (?:ask|know)|let me know"
    r"|(?:can|could) you (?:please )?tell me|do you know|if|whether)\b[\s,.!]*)+",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def wording_core(text: str) -> str:
    """The part of a question's wording that says what it asks: its sentences ending in `?` when
    it has any, without the acknowledgements, fillers and indirect frames it starts with."""
    sentences = [part for part in _SENTENCE_END.split(text.strip()) if part]
    asked = [sentence for sentence in sentences if sentence.endswith("?")]
    text = " ".join(asked) if asked else text.strip()
    return _LEAD.sub("", text).strip() or text


def vectors(embedder: Embedder, texts: Sequence[str]) -> Vectors:
    """The vectors that topics compare for these question wordings."""
    return embedder.encode([wording_core(text) for text in texts])


@dataclass(frozen=True)
class Topic:
    """A topic of an account: its id (`tq_…`), its label (the member wording nearest the
    centroid, without its lead-in, a written wording first: `_label`), the mean of its
    members' unit vectors, and how many questions it holds."""

    id: str
    label: str
    centroid: Vectors = field(repr=False, compare=False)
    size: int


@dataclass(frozen=True)
class Question:
    """A caller's question: its wording, its unit vector and its topic (None before it has one)."""

    text: str
    vector: Vectors = field(repr=False, compare=False)
    topic_id: str | None = None


@dataclass(frozen=True)
class Regrouping:
    """What `recluster` found: the topics, each question's topic id (in the order given), and the
    ids that no longer exist mapped to the topic that answers for them."""

    topics: list[Topic]
    topic_ids: list[str]
    merged: dict[str, str]


def assign(
    vector: Vectors, catalogue: Sequence[Topic], threshold: float = SAME_MEANING
) -> str | None:
    """The id of the topic nearest to `vector` when it means the same, else None."""
    if not catalogue:
        return None
    similarities = np.stack([topic.centroid for topic in catalogue]) @ vector
    best = int(np.argmax(similarities))
    return catalogue[best].id if similarities[best] >= threshold else None


def start(question: Question) -> Topic:
    """A new topic holding only `question`, labelled with its wording."""
    return Topic(new_id("tq"), wording_core(question.text), question.vector.astype(np.float32), 1)


def join(topic: Topic, vector: Vectors) -> Topic:
    """`topic` with one more question (its label stays until the next `recluster`)."""
    centroid = (topic.centroid * topic.size + vector) / (topic.size + 1)
    return Topic(topic.id, topic.label, centroid.astype(np.float32), topic.size + 1)


def recluster(questions: Sequence[Question], threshold: float = SAME_MEANING) -> Regrouping:
    """Group `questions` again by average-link similarity; a topic keeps its id when most of its
    questions stay together, and an id that does not survive answers as the topic that took
    most of its questions (`merged`)."""
    if not questions:
        return Regrouping([], [], {})
    vectors = np.stack([question.vector for question in questions]).astype(np.float32)
    groups = average_link(vectors, threshold)
    ids = _stable_ids(groups, [question.topic_id for question in questions])
    topics = []
    for group, topic_id in zip(groups, ids, strict=True):
        centroid = vectors[group].mean(axis=0)
        label = _label([questions[index].text for index in group], vectors[group] @ centroid)
        topics.append(Topic(topic_id, label, centroid, len(group)))
    topic_ids = [""] * len(questions)
    for group, topic_id in zip(groups, ids, strict=True):
        for index in group:
            topic_ids[index] = topic_id
    merged = {}
    for old_id, members in _members(questions).items():
        if old_id not in ids:
            merged[old_id] = Counter(topic_ids[index] for index in members).most_common(1)[0][0]
    topics.sort(key=lambda topic: -topic.size)
    return Regrouping(topics, topic_ids, merged)


LABEL_MARGIN = 0.02
"""Wordings this close to the most typical one count as equally typical for the label."""


def _label(texts: Sequence[str], similarities: Vectors) -> str:
    """The most typical wording (nearest the centroid), without its lead-in; among wordings as
    typical, one written as a question ("What are your hours?") before one as speech-to-text
    gives it ("what are your hours"), which reads better as a label."""
    best = float(similarities.max())
    candidates = [
        (_written(wording_core(text)), float(similarity), -index)
        for index, (text, similarity) in enumerate(zip(texts, similarities, strict=True))
        if similarity >= best - LABEL_MARGIN
    ]
    return wording_core(texts[-max(candidates)[2]])


def _written(text: str) -> bool:
    return text[:1].isupper() and text.endswith("?")


def _members(questions: Sequence[Question]) -> dict[str, list[int]]:
    members: dict[str, list[int]] = {}
    for index, question in enumerate(questions):
        if question.topic_id is not None:
            members.setdefault(question.topic_id, []).append(index)
    return members


def _stable_ids(groups: list[list[int]], previous: list[str | None]) -> list[str]:
    """An id for each group: the old topic that has most of its questions in the group, among
    those that keep a majority of their questions together there; else a new id."""
    sizes = Counter(topic_id for topic_id in previous if topic_id is not None)
    ids = []
    for group in groups:
        overlap = Counter(previous[index] for index in group if previous[index] is not None)
        kept = [
            (count, -order, topic_id)
            for order, (topic_id, count) in enumerate(overlap.items())
            if topic_id is not None and 2 * count > sizes[topic_id]
        ]
        ids.append(max(kept)[2] if kept else new_id("tq"))
    return ids


def average_link(vectors: Vectors, threshold: float) -> list[list[int]]:
    """Average-link (UPGMA) clusters of unit `vectors`, merging while two clusters' mean cosine
    is at least `threshold`; each cluster lists its row indexes, ascending.

    The nearest-neighbour chain finds the same merges as the textbook algorithm in O(n²) time
    without an n-by-n matrix: the mean cosine between clusters A and B is sum(A)·sum(B)/(|A||B|),
    so one product with the clusters' sums gives a cluster's similarity to all others."""
    sums = vectors.astype(np.float32).copy()
    counts = np.ones(len(vectors), dtype=np.float32)
    members: list[list[int]] = [[index] for index in range(len(vectors))]
    live = np.ones(len(vectors), dtype=bool)
    done: list[list[int]] = []
    chain: list[int] = []
    while True:
        if len(live) > 256 and 2 * int(live.sum()) < len(live):
            # Keep the products proportional to the clusters still open.
            kept = np.flatnonzero(live)
            position = {int(old): new for new, old in enumerate(kept)}
            sums, counts, live = sums[kept], counts[kept], live[kept]
            members = [members[old] for old in kept]
            chain = [position[old] for old in chain]
        if not chain:
            open_clusters = np.flatnonzero(live)
            if len(open_clusters) == 0:
                break
            chain.append(int(open_clusters[0]))
        current = chain[-1]
        similarities = sums @ sums[current] / (counts * counts[current])
        similarities[~live] = -np.inf
        similarities[current] = -np.inf
        nearest = int(np.argmax(similarities))
        # Prefer the previous link on a tie, or the chain could cycle.
        if len(chain) > 1 and similarities[chain[-2]] >= similarities[nearest]:
            nearest = chain[-2]
        if not similarities[nearest] >= threshold:
            # Closed for good: a cluster's average-link similarity to a union never exceeds
            # its best similarity to the union's parts.
            done.append(members[current])
            live[current] = False
            chain.pop()
        elif nearest in chain:
            # Reciprocal nearest neighbours (`chain[-2]`), or, among equal similarities (the
            # same wording asked again and again), a longer loop that rounding closed: merged
            # alike, and the chain cut back to before them.
            sums[nearest] += sums[current]
            counts[nearest] += counts[current]
            members[nearest] = members[nearest] + members[current]
            live[current] = False
            del chain[chain.index(nearest) :]
        else:
            chain.append(nearest)
    return [sorted(group) for group in done]
