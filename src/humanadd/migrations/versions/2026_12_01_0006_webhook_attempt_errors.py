"""webhook attempts: room for the error in words

Revision: 0006 (after 0005)
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.alter_column(
            "error", existing_type=sa.String(length=64), type_=sa.String(length=255)
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.alter_column(
            "error",
            existing_type=sa.String(length=255),
            type_=sa.String(length=64),
            postgresql_using="left(error, 64)",
        )
