"""All SQL about caller questions and their topics."""

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Join,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from humanadd.db import dialect_insert, utcnow
from humanadd.questions.models import CallQuestion, QuestionTopic, TopicCatalogue

_QUESTIONS = cast(Table, CallQuestion.__table__)
_TOPICS = cast(Table, QuestionTopic.__table__)

ASKED = _QUESTIONS.alias("asked")
SURVIVOR = _TOPICS.alias("survivor")
"""A question, and the topic that answers for it: its own, or the one that was merged into
(merges are one hop: a survivor is never merged itself)."""
_TOPIC = _TOPICS.alias("topic")


def asked_with_topics() -> Join:
    """`ASKED` joined to the topic that answers for each question (`SURVIVOR`); a question
    stored before topics existed has NULL ones."""
    return ASKED.outerjoin(_TOPIC, _TOPIC.c.id == ASKED.c.topic_id).outerjoin(
        SURVIVOR, SURVIVOR.c.id == func.coalesce(_TOPIC.c.merged_into, _TOPIC.c.id)
    )


class questions_of(FunctionElement[Any]):
    """The questions of the call whose row id is the argument, as one JSON array of
    `{"text", "topic_id", "topic"}` in the order asked (`[]` when none): a correlated scalar
    subquery, so that a call's detail stays one statement. Each topic is the one that answers
    for it; a question stored before topics existed has null ones."""

    type = JSON()
    inherit_cache = True
    name = "questions_of"


def _of_call(call_pk: Any, aggregate: Any) -> Any:
    return (
        select(aggregate)
        .select_from(asked_with_topics())
        .where(ASKED.c.call_pk == call_pk)
        .scalar_subquery()
    )


def _question_pairs() -> list[Any]:
    return [
        literal_column("'text'"),
        ASKED.c.text,
        literal_column("'topic_id'"),
        SURVIVOR.c.id,
        literal_column("'topic'"),
        SURVIVOR.c.label,
    ]


@compiles(questions_of, "sqlite")
def _questions_on_sqlite(element: questions_of, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite before 3.44 has no ORDER BY inside an aggregate; a window's ORDER BY decides the
    # order its rows reach the aggregate, and the frame of the whole window gives every row
    # the whole array. A scalar subquery is the value of its first row (SQLite adds LIMIT 1).
    (call_pk,) = element.clauses
    array = func.json_group_array(func.json_object(*_question_pairs())).over(
        order_by=ASKED.c.id, rows=(None, None)
    )
    return compiler.process(func.coalesce(_of_call(call_pk, array), literal_column("'[]'")), **kw)


@compiles(questions_of, "postgresql")
def _questions_on_postgresql(element: questions_of, compiler: SQLCompiler, **kw: Any) -> str:
    (call_pk,) = element.clauses
    array = func.json_agg(
        aggregate_order_by(func.json_build_object(*_question_pairs()), ASKED.c.id)
    )
    return compiler.process(
        func.coalesce(_of_call(call_pk, array), literal_column("'[]'::json")), **kw
    )


_SURVIVOR_OF_TOPIC = (
    select(func.coalesce(_TOPIC.c.merged_into, _TOPIC.c.id))
    .where(_TOPIC.c.id == bindparam("topic"), _TOPIC.c.account_id == bindparam("account_id"))
    .scalar_subquery()
)
"""The id that answers for the account's topic `topic` (NULL when it has none)."""
CALLS_ASKING_TOPIC = (
    select(ASKED.c.call_pk)
    .where(
        ASKED.c.account_id == bindparam("account_id"),
        ASKED.c.topic_id.in_(
            select(SURVIVOR.c.id).where(
                SURVIVOR.c.account_id == bindparam("account_id"),
                or_(
                    SURVIVOR.c.id == _SURVIVOR_OF_TOPIC,
                    SURVIVOR.c.merged_into == _SURVIVOR_OF_TOPIC,
                ),
            )
        ),
    )
    # SQLite's planner, which cannot tell how few topics the list holds, may otherwise read
    # all of the account's questions.
    .with_hint(ASKED, "INDEXED BY ix_call_questions_account_topic", "sqlite")
)
"""The row ids of the account's calls with a question in the topic that answers for `topic`
(a bound parameter, like `account_id`) or in one merged into it: an index range
(`ix_call_questions_account_topic`) per topic."""
TOPIC_ANSWERING: Select[Any] = select(SURVIVOR.c.id, SURVIVOR.c.label).where(
    SURVIVOR.c.account_id == bindparam("account_id"), SURVIVOR.c.id == _SURVIVOR_OF_TOPIC
)
"""The `id` and `label` of the topic that answers for the account's topic `topic`."""


async def lock_catalogue(
    session: AsyncSession, account_id: str, model_version: int
) -> TopicCatalogue:
    """The account's catalogue row (made, empty, in `model_version` if it has none), locked
    until the transaction ends on PostgreSQL; SQLite runs one write at a time anyway."""
    new = {"account_id": account_id, "model_version": model_version, "questions": 0}
    new["questions_at_recluster"] = 0
    await session.execute(
        dialect_insert(session)(TopicCatalogue).values(new).on_conflict_do_nothing()
    )
    statement = (
        select(TopicCatalogue)
        .where(TopicCatalogue.account_id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one()


async def add_topics(session: AsyncSession, topics: Sequence[QuestionTopic]) -> None:
    session.add_all(topics)
    await session.flush()


async def live_topics(session: AsyncSession, account_id: str) -> list[QuestionTopic]:
    """The account's topics that were not merged into another."""
    statement = select(QuestionTopic).where(
        QuestionTopic.account_id == account_id, QuestionTopic.merged_into.is_(None)
    )
    return list((await session.execute(statement)).scalars())


async def of_call(session: AsyncSession, call_pk: int) -> list[CallQuestion]:
    statement = select(CallQuestion).where(CallQuestion.call_pk == call_pk)
    return list((await session.execute(statement)).scalars())


async def delete_ids(session: AsyncSession, ids: Sequence[int]) -> None:
    if ids:
        await session.execute(delete(CallQuestion).where(CallQuestion.id.in_(ids)))


async def insert_questions(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(insert(_QUESTIONS), list(rows))


async def update_topics(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Set `label`, `size` and `centroid` of each topic `topic_id` given."""
    if rows:
        statement = (
            update(_TOPICS)
            .where(_TOPICS.c.id == bindparam("topic_id"))
            .values(
                label=bindparam("label"),
                size=bindparam("size"),
                centroid=bindparam("centroid"),
                updated_at=utcnow(),
            )
        )
        await session.execute(statement, list(rows))


async def all_of_account(session: AsyncSession, account_id: str) -> list[Any]:
    """(id, text, topic_id) of every question of the account, oldest first."""
    statement = (
        select(CallQuestion.id, CallQuestion.text, CallQuestion.topic_id)
        .where(CallQuestion.account_id == account_id)
        .order_by(CallQuestion.id)
    )
    return list(await session.execute(statement))


async def set_question_topics(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Set each question `question_id`'s `topic_id`."""
    if rows:
        statement = (
            update(_QUESTIONS)
            .where(_QUESTIONS.c.id == bindparam("question_id"))
            .values(topic_id=bindparam("topic_id"))
        )
        await session.execute(statement, list(rows))


async def merge(session: AsyncSession, account_id: str, merged: Mapping[str, str]) -> None:
    """Each topic of `merged` (and those already merged into it) now answers as its survivor."""
    for old, survivor in merged.items():
        await session.execute(
            update(QuestionTopic)
            .where(
                QuestionTopic.account_id == account_id,
                (QuestionTopic.id == old) | (QuestionTopic.merged_into == old),
            )
            .values(merged_into=survivor, size=0, updated_at=utcnow())
        )


async def delete_all(session: AsyncSession, account_id: str) -> None:
    """The account's questions, topics and catalogue."""
    for model in (CallQuestion, QuestionTopic, TopicCatalogue):
        await session.execute(delete(model).where(model.account_id == account_id))


async def topic_count(session: AsyncSession, account_id: str) -> int:
    """How many topics of the account hold questions."""
    statement = select(func.count()).where(
        QuestionTopic.account_id == account_id,
        QuestionTopic.merged_into.is_(None),
        QuestionTopic.size > 0,
    )
    return int((await session.execute(statement)).scalar_one())
