"""Text-message consent (STOP/START) and phone-call status records.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    timestamp = sa.DateTime(timezone=True)
    op.create_table(
        "sms_consents",
        sa.Column("phone_key", sa.String(64), primary_key=True),
        sa.Column("stopped", sa.Boolean(), nullable=False),
        sa.Column("keyword", sa.String(16), nullable=False),
        sa.Column("changed_at", timestamp, nullable=False),
    )
    op.create_table(
        "call_records",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("call_sid", sa.String(64), nullable=False, index=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("duration_s", sa.Integer()),
        sa.Column("lang", sa.String(2)),
        sa.Column("recorded_at", timestamp, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("call_records")
    op.drop_table("sms_consents")
