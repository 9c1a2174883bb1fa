"""Bookings of several ticket types, promo codes and attendees.

Each type counts its seats taken (held or sold), kept in the same statements as the event's `seats_available`, so a
hold of several lines decides every type's quota and the event's capacity in one atomic step. A booking keeps its
priced lines, its discount and its code, and the names typed for its seats. Bookings made before are so many seats
of their event's first type at the price they were held at; each event's first type takes the seats its event has
sold or held (every event had one type until now).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FIRST_TYPES_TAKE_THE_EVENTS_SEATS = """
    UPDATE ticket_types SET taken = (SELECT e.capacity - e.seats_available FROM events e
                                      WHERE e.id = ticket_types.event_id)
     WHERE ticket_types.id = (SELECT f.id FROM ticket_types f WHERE f.event_id = ticket_types.event_id
                               ORDER BY f.position, f.created_at, f.id LIMIT 1)
"""


def upgrade() -> None:
    with op.batch_alter_table("ticket_types") as batch:
        batch.add_column(sa.Column("taken", sa.Integer(), server_default=sa.text("0"), nullable=False))
        batch.create_check_constraint(op.f("ck_ticket_types_taken_within_quota"), "taken >= 0 AND taken <= quota")
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("lines", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("discount_cents", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
        batch.add_column(sa.Column("promo_code_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("promo_code", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("attendees", sa.JSON(), nullable=True))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("seat", sa.Integer(), nullable=True))
    op.create_table(
        "promo_codes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("percent_off", sa.Integer(), nullable=True),
        sa.Column("amount_off_cents", sa.BigInteger(), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ticket_type_ids", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)", name=op.f("ck_promo_codes_uses_within_max")
        ),
        sa.CheckConstraint(
            "(percent_off IS NULL) <> (amount_off_cents IS NULL)", name=op.f("ck_promo_codes_one_discount")
        ),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_promo_codes_event_id_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promo_codes")),
        sa.UniqueConstraint("event_id", "code", name=op.f("uq_promo_codes_event_id_code")),
    )
    op.execute(_FIRST_TYPES_TAKE_THE_EVENTS_SEATS)


def downgrade() -> None:
    op.drop_table("promo_codes")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("seat")
    with op.batch_alter_table("bookings") as batch:
        for column in ("attendees", "promo_code", "promo_code_id", "discount_cents", "lines"):
            batch.drop_column(column)
    with op.batch_alter_table("ticket_types") as batch:
        batch.drop_constraint(op.f("ck_ticket_types_taken_within_quota"), type_="check")
        batch.drop_column("taken")
