"""Each account's catalogue of question topics, kept as the analysis stores questions.

A call's questions are stored with a topic each: the nearest topic of the account when it means
the same (`analytics.topics.assign`), else a new one. As the catalogue grows by a quarter, it is
re-clustered as a whole (`analytics.topics.recluster`): topics that mean the same merge, and a
merged id answers as its survivor from then on. Every change to one account's catalogue holds its
`TopicCatalogue` row locked, so workers never interleave their changes to it.
"""

import asyncio
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.analytics import embedding, topics
from humanadd.analytics.embedding import Embedder, Vectors
from humanadd.analytics.topics import Question, Regrouping, Topic
from humanadd.db import utcnow
from humanadd.questions import repository
from humanadd.questions.models import QuestionTopic, TopicCatalogue

MODEL_VERSION = embedding.TABLE_VERSION
"""The vector space of stored centroids: a catalogue built in another is re-clustered before
its next change."""
MAX_QUESTION_LENGTH = 500
RECLUSTER_MIN_NEW = 10
"""A catalogue is re-clustered once it holds a quarter more questions than at its last
re-clustering, and at least this many more."""

_NOT_WORD = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


def normalize(question: str) -> str:
    """A wording folded (lower case, punctuation dropped, white space folded): a call stores
    each folded wording once."""
    return _SPACE.sub(" ", _NOT_WORD.sub(" ", question.lower())).strip()[:512]


def _blob(vector: Vectors) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def _vector(blob: bytes) -> Vectors:
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def _row(topic: Topic, account_id: str) -> QuestionTopic:
    return QuestionTopic(
        id=topic.id,
        account_id=account_id,
        label=topic.label,
        size=topic.size,
        centroid=_blob(topic.centroid),
    )


async def _catalogue(session: AsyncSession, embedder: Embedder, account_id: str) -> TopicCatalogue:
    """The account's catalogue, locked, its centroids in this process's vector space."""
    catalogue = await repository.lock_catalogue(session, account_id, MODEL_VERSION)
    if catalogue.model_version != MODEL_VERSION:
        await _recluster(session, embedder, catalogue)
    return catalogue


async def store(
    session: AsyncSession,
    embedder: Embedder,
    account_id: str,
    call_pk: int,
    started_at: int,
    texts: Sequence[str],
) -> bool:
    """Store the call's questions (`texts`, in the order asked) in place of those it had, each
    folded wording once, each with its topic. A wording the call already had keeps its topic:
    analysing a call again changes nothing. Whether the catalogue has now grown enough to be
    re-clustered (`recluster_if_grown`)."""
    wordings: dict[str, str] = {}
    for text in texts:
        if key := normalize(text):
            wordings.setdefault(key, text.strip()[:MAX_QUESTION_LENGTH])
    existing = await repository.of_call(session, call_pk)
    if not wordings and not existing:
        return False
    catalogue = await _catalogue(session, embedder, account_id)
    kept = {
        question.normalized: question.topic_id
        for question in existing
        if question.normalized in wordings and question.topic_id is not None
    }
    new = [(key, text) for key, text in wordings.items() if key not in kept]
    assigned = await _assign(session, embedder, account_id, [text for _, text in new])
    topic_of = {**kept, **dict(zip((key for key, _ in new), assigned, strict=True))}
    await repository.delete_ids(session, [question.id for question in existing])
    await repository.insert_questions(
        session,
        [
            {
                "call_pk": call_pk,
                "account_id": account_id,
                "started_at": started_at,
                "normalized": key,
                "text": text,
                "topic_id": topic_of[key],
            }
            for key, text in wordings.items()
        ],
    )
    catalogue.questions += len(wordings) - len(existing)
    return _grown(catalogue)


def _grown(catalogue: TopicCatalogue) -> bool:
    """Whether the catalogue holds a quarter more questions than when last re-clustered (and
    at least `RECLUSTER_MIN_NEW` more)."""
    grown = catalogue.questions - catalogue.questions_at_recluster
    return grown >= max(RECLUSTER_MIN_NEW, catalogue.questions_at_recluster // 4)


async def _assign(
    session: AsyncSession, embedder: Embedder, account_id: str, texts: Sequence[str]
) -> list[str]:
    """A topic for each question, joining the nearest or starting one; the catalogue's rows
    updated to match."""
    if not texts:
        return []
    catalogue = [
        Topic(row.id, row.label, _vector(row.centroid), row.size)
        for row in await repository.live_topics(session, account_id)
    ]
    started: dict[str, Topic] = {}
    joined: dict[str, Topic] = {}
    chosen = []
    for text, vector in zip(texts, topics.vectors(embedder, texts), strict=True):
        topic_id = topics.assign(vector, catalogue)
        if topic_id is None:
            topic = topics.start(Question(text, vector))
            started[topic.id] = topic
        else:
            index = next(i for i, topic in enumerate(catalogue) if topic.id == topic_id)
            topic = topics.join(catalogue[index], vector)
            del catalogue[index]
            if topic.id in started:
                started[topic.id] = topic
            else:
                joined[topic.id] = topic
        catalogue.append(topic)
        chosen.append(topic.id)
    await repository.add_topics(session, [_row(topic, account_id) for topic in started.values()])
    await repository.update_topics(
        session,
        [
            {"topic_id": t.id, "label": t.label, "size": t.size, "centroid": _blob(t.centroid)}
            for t in joined.values()
        ],
    )
    return chosen


async def recluster_if_grown(session: AsyncSession, embedder: Embedder, account_id: str) -> bool:
    """Re-cluster the account's catalogue when it has grown enough since the last time;
    whether it did."""
    catalogue = await _catalogue(session, embedder, account_id)
    if not _grown(catalogue):
        return False
    await _recluster(session, embedder, catalogue)
    return True


async def recluster(session: AsyncSession, embedder: Embedder, account_id: str) -> Regrouping:
    """Group every question of the account again (`analytics.topics.recluster`)."""
    return await _recluster(session, embedder, await _catalogue(session, embedder, account_id))


def _regroup(embedder: Embedder, rows: Sequence[Any]) -> Regrouping:
    vectors = topics.vectors(embedder, [row.text for row in rows])
    questions = [
        Question(row.text, vector, row.topic_id) for row, vector in zip(rows, vectors, strict=True)
    ]
    return topics.recluster(questions)


async def _recluster(
    session: AsyncSession, embedder: Embedder, catalogue: TopicCatalogue
) -> Regrouping:
    account_id = catalogue.account_id
    rows = await repository.all_of_account(session, account_id)
    # Clustering thousands of questions takes seconds: off the event loop, so a worker's
    # deliveries carry on meanwhile.
    regrouping = await asyncio.to_thread(_regroup, embedder, rows)
    existing = {row.id for row in await repository.live_topics(session, account_id)}
    await repository.add_topics(
        session,
        [_row(topic, account_id) for topic in regrouping.topics if topic.id not in existing],
    )
    await repository.update_topics(
        session,
        [
            {"topic_id": t.id, "label": t.label, "size": t.size, "centroid": _blob(t.centroid)}
            for t in regrouping.topics
            if t.id in existing
        ],
    )
    await repository.merge(session, account_id, regrouping.merged)
    await repository.set_question_topics(
        session,
        [
            {"question_id": row.id, "topic_id": topic_id}
            for row, topic_id in zip(rows, regrouping.topic_ids, strict=True)
            if row.topic_id != topic_id
        ],
    )
    catalogue.model_version = MODEL_VERSION
    catalogue.questions = len(rows)
    catalogue.questions_at_recluster = len(rows)
    catalogue.reclustered_at = utcnow()
    return regrouping


async def catalogue_size(
    session: AsyncSession, embedder: Embedder, account_id: str
) -> tuple[int, int]:
    """How many questions the account has, and in how many topics."""
    catalogue = await _catalogue(session, embedder, account_id)
    return catalogue.questions, await repository.topic_count(session, account_id)
