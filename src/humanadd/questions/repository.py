"""All SQL about caller questions and their topics."""

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.db import dialect_insert, utcnow
from humanadd.questions.models import CallQuestion, QuestionTopic, TopicCatalogue

_QUESTIONS = cast(Table, CallQuestion.__table__)
_TOPICS = cast(Table, QuestionTopic.__table__)


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


async def count(session: AsyncSession, account_id: str) -> int:
    """How many questions the account has stored."""
    statement = select(func.count()).where(CallQuestion.account_id == account_id)
    return int((await session.execute(statement)).scalar_one())


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
