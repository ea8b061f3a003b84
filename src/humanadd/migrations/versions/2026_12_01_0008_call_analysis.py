"""our own call analysis: topics of caller questions, the analysis queue on calls

Every call already stored that has ended is queued for analysis (without a webhook): the worker
fills what its provider left empty and groups its questions into topics.

Revision: 0008 (after 0007)
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import humanadd.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "question_topics",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("centroid", sa.LargeBinary(), nullable=False),
        sa.Column("merged_into", sa.String(length=32), nullable=True),
        sa.Column("created_at", humanadd.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", humanadd.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_question_topics_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_topics")),
    )
    op.create_index("ix_question_topics_account", "question_topics", ["account_id", "merged_into"])
    op.create_table(
        "topic_catalogues",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("questions_at_recluster", sa.Integer(), nullable=False),
        sa.Column("reclustered_at", humanadd.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_topic_catalogues_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_topic_catalogues")),
    )
    with op.batch_alter_table("call_questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic_id", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "ix_call_questions_account_topic", ["account_id", "topic_id", "started_at"]
        )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("computed_fields", JSON, nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("analysis_due_at", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "notify_when_analysed", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.create_index(batch_op.f("ix_calls_analysis_due_at"), ["analysis_due_at"])
    op.execute("UPDATE calls SET analysis_due_at = 0 WHERE status <> 'ongoing'")


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_analysis_due_at"))
        batch_op.drop_column("notify_when_analysed")
        batch_op.drop_column("analysis_due_at")
        batch_op.drop_column("computed_fields")
    with op.batch_alter_table("call_questions", schema=None) as batch_op:
        batch_op.drop_index("ix_call_questions_account_topic")
        batch_op.drop_column("topic_id")
    op.drop_table("topic_catalogues")
    op.drop_index("ix_question_topics_account", table_name="question_topics")
    op.drop_table("question_topics")
