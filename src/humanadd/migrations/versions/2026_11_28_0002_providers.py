"""upstream providers: accounts' provider and agents, calls' provider stage

Revision: 0002 (after 0001)
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("tags_key", sa.String(length=64), nullable=False, server_default="tags")
        )
        batch_op.add_column(
            sa.Column("booked_key", sa.String(length=64), nullable=False, server_default="booked")
        )
        batch_op.create_check_constraint(
            op.f("ck_accounts_provider"), "provider IN ('retell', 'simulated')"
        )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_stage", sa.SmallInteger(), nullable=True))
    op.create_table(
        "provider_agents",
        sa.Column("agent_id", sa.String(length=128), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_provider_agents_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_provider_agents")),
    )
    with op.batch_alter_table("provider_agents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_provider_agents_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("provider_agents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_agents_account_id"))
    op.drop_table("provider_agents")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("provider_stage")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_accounts_provider"), type_="check")
        batch_op.drop_column("booked_key")
        batch_op.drop_column("tags_key")
        batch_op.drop_column("provider")
