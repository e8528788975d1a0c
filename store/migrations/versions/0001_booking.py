"""Booking resources, reservations without double booking, and the message outbox.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# SQLite: an active reservation may not overlap another active one of the same resource,
# on insert or on update (a changed time, or a cancelled booking made active again).
_SQLITE_OVERLAP = """
CREATE TRIGGER booking_no_overlap_{event}
BEFORE {event_sql} ON booking_reservations
WHEN NEW.status = 'active'
BEGIN
    SELECT RAISE(ABORT, 'booking_overlap')
    WHERE EXISTS (
        SELECT 1 FROM booking_reservations AS other
        WHERE other.resource_id = NEW.resource_id
          AND other.status = 'active'
          AND other.id != NEW.id
          AND other.starts_at < NEW.blocked_until
          AND NEW.starts_at < other.blocked_until
    );
END
"""


def upgrade() -> None:
    timestamp = sa.DateTime(timezone=True)
    op.create_table(
        "booking_resources",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False, index=True),
        sa.Column("unit_id", sa.Integer),
        sa.Column("name", sa.JSON, nullable=False),
        sa.Column("unit_name", sa.JSON, nullable=False),
        sa.Column("address", sa.JSON),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("accessibility", sa.JSON),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "booking_reservations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "resource_id", sa.String(64), sa.ForeignKey("booking_resources.id"), nullable=False
        ),
        sa.Column("starts_at", timestamp, nullable=False),
        sa.Column("ends_at", timestamp, nullable=False),
        sa.Column("blocked_until", timestamp, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resident_key", sa.String(64), nullable=False, index=True),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("price_cents", sa.Integer, nullable=False),
        sa.Column("idempotency_key", sa.String(128), unique=True),
        sa.Column("request_hash", sa.String(64)),
        sa.Column("created_at", timestamp, nullable=False),
        sa.Column("cancelled_at", timestamp),
        sa.Column("cancel_reason", sa.String(32)),
        sa.CheckConstraint("starts_at < ends_at", name="booking_positive_length"),
        sa.CheckConstraint("ends_at <= blocked_until", name="booking_buffer_after_end"),
        sa.CheckConstraint("status IN ('active', 'cancelled')", name="booking_status"),
    )
    op.create_index(
        "ix_booking_reservations_resource_start",
        "booking_reservations",
        ["resource_id", "starts_at"],
    )
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("to_phone", sa.String(32), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("reservation_id", sa.String(32), index=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("send_after", timestamp, nullable=False),
        sa.Column("next_attempt_at", timestamp, nullable=False),
        sa.Column("last_error", sa.String(200)),
        sa.Column("provider_id", sa.String(64)),
        sa.Column("created_at", timestamp, nullable=False),
        sa.Column("sent_at", timestamp),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE booking_reservations ADD CONSTRAINT booking_no_overlap "
            "EXCLUDE USING gist (resource_id WITH =, "
            "tstzrange(starts_at, blocked_until, '[)') WITH &&) "
            "WHERE (status = 'active')"
        )
    else:
        op.execute(_SQLITE_OVERLAP.format(event="insert", event_sql="INSERT"))
        op.execute(_SQLITE_OVERLAP.format(event="update", event_sql="UPDATE"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER IF EXISTS booking_no_overlap_insert")
        op.execute("DROP TRIGGER IF EXISTS booking_no_overlap_update")
    op.drop_table("outbox_messages")
    op.drop_table("booking_reservations")
    op.drop_table("booking_resources")
