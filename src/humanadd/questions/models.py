from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from humanadd.db import Base, UTCDateTime, utcnow
from humanadd.types import BigIntPK

TopicIdString = String(32)


class CallQuestion(Base):
    """A question the caller asked, in its wording, with the topic it belongs to. Stored by the
    analysis (each wording once per call), so `topQuestions` and `/questions` are aggregates."""

    __tablename__ = "call_questions"
    __table_args__ = (
        Index("ix_call_questions_account_started", "account_id", "started_at"),
        Index("ix_call_questions_account_topic", "account_id", "topic_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[int] = mapped_column(BigInteger)
    normalized: Mapped[str] = mapped_column(String(512))
    """The wording folded (lower case, no punctuation): a call stores each one once."""
    text: Mapped[str] = mapped_column(Text)
    topic_id: Mapped[str | None] = mapped_column(TopicIdString)
    """The topic (`question_topics.id`); None only for a question stored before topics existed,
    until the worker analyses its call again."""


class QuestionTopic(Base):
    """One topic of an account's catalogue: questions that mean the same.

    A topic merged into another by re-clustering keeps its row, with `merged_into` naming the
    survivor (never itself merged: merges are followed when they happen), so its id still
    answers. `centroid` is the mean of its members' unit vectors, float32 little-endian, in the
    vector space of the catalogue's `model_version`."""

    __tablename__ = "question_topics"
    __table_args__ = (Index("ix_question_topics_account", "account_id", "merged_into"),)

    id: Mapped[str] = mapped_column(TopicIdString, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    label: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    centroid: Mapped[bytes] = mapped_column(LargeBinary)
    merged_into: Mapped[str | None] = mapped_column(TopicIdString)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TopicCatalogue(Base):
    """An account's catalogue as a whole: the row every change to it locks first (so two
    workers never assign and re-cluster one account at once), the vector space its centroids
    are in, and how many questions it held when last re-clustered (it is again once it grows
    by a quarter)."""

    __tablename__ = "topic_catalogues"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    model_version: Mapped[int] = mapped_column(Integer)
    questions: Mapped[int] = mapped_column(Integer, default=0)
    """How many questions the account has stored."""
    questions_at_recluster: Mapped[int] = mapped_column(Integer, default=0)
    reclustered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
