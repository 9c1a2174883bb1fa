"""Tickets people can carry: the QR code as SVG (segno) and a booking's tickets as one PDF (fpdf2), a page each.

Both take plain values (`TicketView`), never the database, so the same bytes come out of the web app, the API and
the confirmation e-mail. The QR code carries the ticket's code only (domain/ticket_codes.py): upper-case base32,
which QR's alphanumeric mode stores compactly, so the symbol stays small enough for a phone camera at the door.

In the PDF the QR code is drawn as vector rectangles, one per run of dark modules: it stays sharp at any zoom or
printer and needs no image library. Text that is all Latin-1 is set in the PDF core font Helvetica (no font file to
load and embed: most of a PDF's CPU otherwise); other text in DejaVu Sans when the system has it (Latin, Greek,
Cyrillic and more), else in Helvetica too, where letters outside Latin-1 become "?".
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import segno
from fpdf import FPDF

from domain.model import Event
from domain.ticket_codes import grouped
from domain.tickets import Ticket

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),  # Debian, Ubuntu (fonts-dejavu-core)
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),  # Fedora, Alpine
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),  # Arch
)
_PAGE_W, _MARGIN = 210.0, 20.0  # A4 portrait, in mm: printable at home, readable on a phone
_QR_SIZE = 70.0  # mm, quiet zone included
_QR_BORDER = 4  # modules of quiet zone, as the QR standard asks


@dataclass(frozen=True)
class TicketView:
    """What a ticket shows."""

    code: str
    event_title: str
    venue: str
    starts_at: datetime
    type_name: str
    attendee_name: str
    booking_id: str = ""
    ticket_id: str = ""


def _qr(code: str) -> segno.QRCode:
    return segno.make_qr(code, error="m")  # segno raises the level further when the symbol has room to spare


def qr_svg(code: str, *, scale: int = 4) -> str:
    """The QR code of a ticket's code as a standalone SVG document (`image/svg+xml`)."""
    out = io.BytesIO()
    _qr(code).save(out, kind="svg", scale=scale, border=_QR_BORDER, xmldecl=False, title="Ticket QR code")
    return out.getvalue().decode("utf-8")


def _when(at: datetime) -> str:
    at = at.astimezone(UTC) if at.tzinfo is not None else at
    return f"{at:%Y-%m-%d %H:%M} UTC"


def _clip(text: str, limit: int) -> str:
    """Long enough for any real title, short enough that a page never overflows into a second one."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


class _TicketPdf(FPDF):
    def __init__(self, font: Path | None) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.set_auto_page_break(False)  # one page per ticket, whatever the text
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_creator("eventbook")
        self._unicode = font is not None
        if font is not None:
            bold = font.with_name(font.stem + "-Bold" + font.suffix)
            self.add_font("Body", "", font)
            self.add_font("Body", "B", bold if bold.exists() else font)
            self._family = "Body"
        else:
            self._family = "Helvetica"

    def text_for(self, text: str) -> str:
        return text if self._unicode else text.encode("latin-1", "replace").decode("latin-1")

    def write_block(self, text: str, *, size: float, bold: bool = False, gap: float = 2.0) -> None:
        self.set_font(self._family, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, self.text_for(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(gap)

    def qr(self, code: str, x: float, y: float, size: float) -> None:
        rows = [list(row) for row in _qr(code).matrix_iter(border=_QR_BORDER)]
        module = size / len(rows)
        self.set_fill_color(0, 0, 0)
        for r, row in enumerate(rows):
            c = 0
            while c < len(row):
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < len(row) and row[c]:
                    c += 1
                self.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")

    def ticket(self, view: TicketView) -> None:
        self.add_page()
        self.write_block(_clip(view.event_title, 150), size=22, bold=True, gap=4)
        self.write_block(_clip(view.venue, 200), size=13)
        self.write_block(_when(view.starts_at), size=13, gap=8)
        self.write_block(_clip(view.type_name, 120), size=15, bold=True)
        self.write_block(_clip(view.attendee_name, 200), size=15, gap=8)
        top = self.get_y()
        self.qr(view.code, (_PAGE_W - _QR_SIZE) / 2, top, _QR_SIZE)
        self.set_y(top + _QR_SIZE + 4)
        self.set_font(self._family, "", 11)
        self.cell(0, 6, grouped(view.code), align="C", new_x="LMARGIN", new_y="NEXT")
        if view.booking_id:
            self.set_font(self._family, "", 8)
            self.cell(0, 5, self.text_for(f"Booking {view.booking_id}"), align="C", new_x="LMARGIN", new_y="NEXT")


def default_font() -> Path | None:
    """The first Unicode font found on this system, or None for the core font."""
    return next((path for path in FONT_CANDIDATES if path.is_file()), None)


def tickets_pdf(tickets: Sequence[TicketView], *, font: Path | None = None, core_font_only: bool = False) -> bytes:
    """One A4 page per ticket, in order: event, venue, time, type, attendee, QR code and the code to type in.

    `font` is a TrueType file to set the text in (its "-Bold" sibling for headings, when there is one); by default
    Helvetica when every text is Latin-1, else the first of `FONT_CANDIDATES` that exists (Helvetica, Latin-1 only,
    with `core_font_only` or without one).
    """
    if not tickets:
        raise ValueError("A tickets PDF needs at least one ticket.")
    # Latin-1 text needs no TrueType font: loading and subsetting one is four fifths of a PDF's CPU (79 ms against 14
    # for three tickets, measured), and every confirmation e-mail carries one.
    core = core_font_only or (font is None and all(_latin1(view) for view in tickets))
    pdf = _TicketPdf(None if core else font or default_font())
    pdf.set_title(pdf.text_for(_clip(f"Tickets: {tickets[0].event_title}", 200)))
    for view in tickets:
        pdf.ticket(view)
    return bytes(pdf.output())


def _latin1(view: TicketView) -> bool:
    try:
        "".join((view.event_title, view.venue, view.type_name, view.attendee_name)).encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def ticket_views(event: Event, tickets: Sequence[Ticket]) -> list[TicketView]:
    """What each ticket of the event shows."""
    return [
        TicketView(t.code, event.title, event.venue, event.starts_at, t.type_name, t.attendee_name, t.booking_id, t.id)
        for t in tickets
    ]


async def render_tickets_pdf(event: Event, tickets: Sequence[Ticket]) -> bytes:
    """`tickets_pdf` of the event's tickets, made in a worker thread: a few milliseconds of CPU per page that must not
    hold up the event loop (the ingress's requests, the mail consumer's deliveries)."""
    return await asyncio.to_thread(tickets_pdf, ticket_views(event, tickets))
