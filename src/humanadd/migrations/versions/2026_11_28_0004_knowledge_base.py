"""knowledge base: versions and entries, review columns of changes, push state, accounts' KB policy and LLM

Revision: 0004 (after 0003)
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import humanadd.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_bases",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("pushed_version", sa.Integer(), nullable=False),
        sa.Column("pushed_at", humanadd.db.UTCDateTime(), nullable=True),
        sa.Column("provider_kb_id", sa.String(length=128), nullable=True),
        sa.Column("push_attempts", sa.Integer(), nullable=False),
        sa.Column("next_push_at", sa.BigInteger(), nullable=False),
        sa.Column("push_lease_until", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_knowledge_bases_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_knowledge_bases")),
    )
    op.create_table(
        "kb_entries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("change_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("added_at", humanadd.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_kb_entries_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["change_id"], ["kb_changes.id"], name=op.f("fk_kb_entries_change_id_kb_changes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_entries")),
    )
    with op.batch_alter_table("kb_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_entries_account_id"), ["account_id"], unique=False)

    op.create_table(
        "kb_versions",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("change_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "entry_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("characters", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", humanadd.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_kb_versions_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["change_id"], ["kb_changes.id"], name=op.f("fk_kb_versions_change_id_kb_changes")
        ),
        sa.PrimaryKeyConstraint("account_id", "number", name=op.f("pk_kb_versions")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("llm_id", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column("kb_policy", sa.String(length=8), server_default="auto", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_accounts_kb_policy"), "kb_policy IN ('auto', 'manual')"
        )

    with op.batch_alter_table("kb_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rollback_to", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("submitted_by", sa.String(length=64), server_default="api", nullable=False)
        )
        batch_op.add_column(sa.Column("decided_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch_op.alter_column("text", existing_type=sa.TEXT(), nullable=True)
        batch_op.create_index("ix_kb_changes_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kb_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_changes_status")
        batch_op.alter_column("text", existing_type=sa.TEXT(), nullable=False)
        batch_op.drop_column("version")
        batch_op.drop_column("decided_by")
        batch_op.drop_column("submitted_by")
        batch_op.drop_column("rollback_to")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_accounts_kb_policy"), type_="check")
        batch_op.drop_column("kb_policy")
        batch_op.drop_column("llm_id")

    op.drop_table("kb_versions")
    with op.batch_alter_table("kb_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_entries_account_id"))

    op.drop_table("kb_entries")
    op.drop_table("knowledge_bases")
