"""Privacy tables: what a resident has agreed to, keyed by the keyed hash of the number."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, UTCDateTime


class SmsConsent(Base):
    """Whether a phone number has stopped Apuri's text messages (STOP / LOPETA / STOPP).

    Keyed by the keyed hash of the number, never the number. A stopped number gets no
    reply and no outbox message until it sends START again.
    """

    __tablename__ = "sms_consents"

    phone_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    keyword: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
