"""Telecare: nurses, video calls and their statistics, visit notes, scheduled visits.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    timestamp = sa.DateTime(timezone=True)
    op.create_table(
        "telecare_nurses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("team", sa.String(32), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", timestamp, nullable=False),
    )
    op.create_table(
        "telecare_calls",
        sa.Column("room", sa.String(16), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("request_id", sa.String(32), index=True),
        sa.Column("visit_id", sa.Integer(), index=True),
        sa.Column("nurse_id", sa.Integer(), sa.ForeignKey("telecare_nurses.id")),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("urgency", sa.String(16)),
        sa.Column("created_at", timestamp, nullable=False),
        sa.Column("started_at", timestamp),
        sa.Column("ended_at", timestamp),
    )
    op.create_table(
        "telecare_call_stats",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("room", sa.String(16), nullable=False, index=True),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("recorded_at", timestamp, nullable=False),
        sa.Column("rtt_ms", sa.Float()),
        sa.Column("loss_pct", sa.Float()),
        sa.Column("bitrate_kbps", sa.Float()),
        sa.Column("fps", sa.Float()),
        sa.Column("audio_only", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "telecare_visit_notes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("room", sa.String(16), nullable=False, index=True),
        sa.Column("nurse_id", sa.Integer(), sa.ForeignKey("telecare_nurses.id"), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", timestamp, nullable=False),
    )
    op.create_table(
        "telecare_visits",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "nurse_id",
            sa.Integer(),
            sa.ForeignKey("telecare_nurses.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("client_label", sa.String(64), nullable=False),
        sa.Column("client_phone", sa.String(32)),
        sa.Column("carer_phone", sa.String(32)),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("starts_at", timestamp, nullable=False, index=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("room", sa.String(16), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("client_joined_at", timestamp),
        sa.Column("created_at", timestamp, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "telecare_visits",
        "telecare_visit_notes",
        "telecare_call_stats",
        "telecare_calls",
        "telecare_nurses",
    ):
        op.drop_table(table)
