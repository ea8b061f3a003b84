"""initial schema

Revision: 0001 (the first)
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import humanadd.db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("plan", sa.String(length=16), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", humanadd.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "plan IN ('starter', 'pro', 'enterprise')", name=op.f("ck_accounts_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    op.create_table(
        "api_keys",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", humanadd.db.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", humanadd.db.UTCDateTime(), nullable=True),
        sa.Column("last_used_at", humanadd.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_api_keys_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_account_id"), ["account_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", humanadd.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_audit_log_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_account_id"), ["account_id"], unique=False)

    op.create_table(
        "calls",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column(
            "call_id",
            sa.String(length=128).with_variant(sa.String(length=128, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("from_number", sa.String(length=32), nullable=True),
        sa.Column("to_number", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("disconnection_reason", sa.String(length=64), nullable=True),
        sa.Column("sentiment", sa.String(length=8), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("booked", sa.Boolean(), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column(
            "transcript_object",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("recording_ref", sa.String(length=2048), nullable=True),
        sa.Column("created_at", humanadd.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", humanadd.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_calls_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("account_id", "call_id", name=op.f("uq_calls_account_id_call_id")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_calls_account_started", ["account_id", "started_at", "call_id"], unique=False
        )

    op.create_table(
        "idempotency_keys",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", humanadd.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_idempotency_keys_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", "key", name=op.f("pk_idempotency_keys")),
    )

    op.create_table(
        "kb_changes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("replace", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "findings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", humanadd.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", humanadd.db.UTCDateTime(), nullable=False),
        sa.Column("decided_at", humanadd.db.UTCDateTime(), nullable=True),
        sa.Column("pushed_at", humanadd.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_kb_changes_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_changes")),
    )
    with op.batch_alter_table("kb_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_kb_changes_account_created", ["account_id", "created_at"], unique=False
        )

    op.create_table(
        "call_questions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("call_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("normalized", sa.String(length=512), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_pk"],
            ["calls.id"],
            name=op.f("fk_call_questions_call_pk_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_questions")),
    )
    with op.batch_alter_table("call_questions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_call_questions_account_started", ["account_id", "started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_call_questions_call_pk"), ["call_pk"], unique=False)

    op.create_table(
        "call_tags",
        sa.Column("call_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_pk"], ["calls.id"], name=op.f("fk_call_tags_call_pk_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("call_pk", "tag", name=op.f("pk_call_tags")),
    )
    with op.batch_alter_table("call_tags", schema=None) as batch_op:
        batch_op.create_index("ix_call_tags_account_tag", ["account_id", "tag"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("call_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_call_tags_account_tag")

    op.drop_table("call_tags")
    with op.batch_alter_table("call_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_questions_call_pk"))
        batch_op.drop_index("ix_call_questions_account_started")

    op.drop_table("call_questions")
    with op.batch_alter_table("kb_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_changes_account_created")

    op.drop_table("kb_changes")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_account_started")

    op.drop_table("calls")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_account_id"))

    op.drop_table("audit_log")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_account_id"))

    op.drop_table("api_keys")
    op.drop_table("accounts")
