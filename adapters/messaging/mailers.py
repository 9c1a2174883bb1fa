"""Sending e-mail: over SMTP when EVENTBOOK_SMTP_URL is set, else into files under var/mail/ for demos."""

from __future__ import annotations

import asyncio
import smtplib
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlparse

from domain.notifications import Email

SENDER = "Eventbook <no-reply@eventbook.example>"


def _mime(email: Email) -> EmailMessage:
    mime = EmailMessage()
    mime["From"], mime["To"], mime["Subject"] = SENDER, email.to, email.subject
    mime.set_content(email.body)
    for attachment in email.attachments:  # the tickets' PDF of a confirmation
        maintype, _, subtype = attachment.media_type.partition("/")
        mime.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return mime


class SmtpMailer:
    """`smtp://user:password@host:port` (or `smtps://` for implicit TLS)."""

    def __init__(self, url: str, *, timeout_s: float = 10) -> None:
        self._url = urlparse(url)
        self._timeout = timeout_s

    async def send(self, email: Email) -> None:
        await asyncio.to_thread(self._send, _mime(email))

    def _send(self, mime: EmailMessage) -> None:
        host, secure = self._url.hostname or "localhost", self._url.scheme == "smtps"
        port = self._url.port or (465 if secure else 25)
        smtp_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
        with smtp_class(host, port, timeout=self._timeout) as smtp:
            if self._url.username:
                smtp.login(self._url.username, self._url.password or "")
            smtp.send_message(mime)


class FileMailer:
    """Writes each e-mail as an .eml file: what a demo shows instead of sending."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def send(self, email: Email) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        (self._directory / name).write_bytes(bytes(_mime(email)))
