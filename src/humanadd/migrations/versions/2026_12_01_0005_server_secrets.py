"""server secrets: the key that seals pagination cursors

Revision: 0005 (after 0004)
"""

import os

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    secrets = op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )
    # Made here, once per database, so that every process on it seals and opens alike.
    op.bulk_insert(secrets, [{"name": "cursor_key", "value": os.urandom(32)}])


def downgrade() -> None:
    op.drop_table("server_secrets")
