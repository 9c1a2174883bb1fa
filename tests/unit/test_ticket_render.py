"""Ticket rendering: the QR code as SVG, and a PDF with one page per ticket that carries its QR code."""

import re
import zlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from xml.etree import ElementTree

import pytest
import segno

from adapters import ticket_render
from adapters.ticket_render import TicketView, qr_svg, tickets_pdf
from domain.ticket_codes import TicketCodes

SVG = "{http://www.w3.org/2000/svg}"
CODES = TicketCodes(b"k" * 32)


def view(**fields: object) -> TicketView:
    values: dict = {
        "code": CODES.issue()[1], "event_title": "Gig (live)", "venue": "Hall, Berlin",
        "starts_at": datetime(2030, 6, 15, 20, 0, tzinfo=UTC), "type_name": "VIP", "attendee_name": "Ada",
        "booking_id": "b1",
    } | fields  # fmt: skip
    return TicketView(**values)


# No PDF parser is installed (pypdf is not a dependency), so the structure is read the way a parser starts: fpdf2
# writes its object dictionaries uncompressed, one `/Type /Page` per page object and `/Count` on the page tree.
def page_count(pdf: bytes) -> int:
    pages = len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))
    counts = re.findall(rb"/Type\s*/Pages\b", pdf)
    (total,) = (int(n) for n in re.findall(rb"/Count\s+(\d+)", pdf))
    assert len(counts) == 1 and total == pages
    return pages


def content_streams(pdf: bytes) -> list[str]:
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            # decompressobj: a stream whose last byte is \r loses it to the pattern's `\r?\n` (random codes made
            # that happen now and then); what is lost is the checksum's tail, never page content.
            streams.append(zlib.decompressobj().decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            continue  # an embedded font
    return [s for s in streams if " re f" in s or " Tj" in s]


def drawn_modules(stream: str) -> set[tuple[int, int]]:
    """The dark modules the page's filled rectangles cover, as (row, column) from the QR's top-left corner."""
    rects = [tuple(map(float, m)) for m in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) -([\d.]+) re f", stream)]
    module = min(h for *_, h in rects)
    left, top = min(x for x, *_ in rects), max(y for _, y, *_ in rects)
    cells = set()
    for x, y, w, _ in rects:
        row, col = round((top - y) / module), round((x - left) / module)
        cells.update((row, col + i) for i in range(round(w / module)))
    return cells


def test_the_qr_svg_is_an_svg_document_with_the_symbol_as_a_path() -> None:
    code = CODES.issue()[1]

    root = ElementTree.fromstring(qr_svg(code))

    assert root.tag == f"{SVG}svg"
    path = root.find(f"{SVG}path")
    assert path is not None and path.get("d", "").startswith("M")
    size = segno.make_qr(code, error="m").symbol_size(scale=4, border=4)
    assert (root.get("width"), root.get("height")) == (str(size[0]), str(size[1]))


def test_the_qr_svg_has_no_xml_declaration_so_it_can_be_inlined_in_html() -> None:
    assert qr_svg(CODES.issue()[1]).startswith("<svg")


def test_a_ticket_code_is_stored_in_the_compact_alphanumeric_mode() -> None:
    qr = segno.make_qr(CODES.issue()[1], error="m")

    assert qr.mode == "alphanumeric"
    assert qr.version <= 3  # 29 x 29 modules at most: easy for a phone camera


def test_the_pdf_has_exactly_one_page_per_ticket() -> None:
    for count in (1, 3):
        pdf = tickets_pdf([view() for _ in range(count)])

        assert pdf.startswith(b"%PDF-")
        assert page_count(pdf) == count


def test_each_page_shows_the_event_the_type_the_attendee_and_the_time() -> None:
    tickets = [view(attendee_name="Ada"), view(attendee_name="Bob", type_name="General admission")]

    pages = content_streams(tickets_pdf(tickets, core_font_only=True))  # the core font keeps the text searchable

    assert len(pages) == 2
    for page, ticket in zip(pages, tickets, strict=True):
        for text in ("Gig \\(live\\)", "Hall, Berlin", "2030-06-15 20:00 UTC", ticket.type_name, ticket.attendee_name):
            assert f"({text}) Tj" in page


def test_each_page_draws_its_own_ticket_s_qr_code_module_for_module() -> None:
    tickets = [view(), view()]

    pages = content_streams(tickets_pdf(tickets))

    for page, ticket in zip(pages, tickets, strict=True):
        matrix = segno.make_qr(ticket.code, error="m").matrix_iter(border=4)
        expected = {(r, c) for r, row in enumerate(matrix) for c, dark in enumerate(row) if dark}
        top_left = min(expected)
        assert drawn_modules(page) == {(r - top_left[0], c - top_left[1]) for r, c in expected}


def test_the_start_time_is_printed_in_utc() -> None:
    berlin = datetime(2030, 6, 15, 22, 0, tzinfo=timezone(timedelta(hours=2)))

    (page,) = content_streams(tickets_pdf([view(starts_at=berlin)], core_font_only=True))

    assert "(2030-06-15 20:00 UTC) Tj" in page


def test_names_in_any_script_render_with_the_unicode_font() -> None:
    if ticket_render.default_font() is None:
        pytest.skip("no DejaVu Sans on this system")

    pdf = tickets_pdf([view(attendee_name="Zoë Łukasiewicz", event_title="Фестиваль Ωμέγα")])

    assert page_count(pdf) == 1
    assert b"/FontFile2" in pdf  # the TrueType font is embedded


def test_without_a_unicode_font_other_letters_become_question_marks_not_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ticket_render, "FONT_CANDIDATES", (Path("/nonexistent/font.ttf"),))

    (page,) = content_streams(tickets_pdf([view(attendee_name="Zoë 李")]))

    assert "(Zoë ?) Tj" in page


def test_very_long_texts_still_fit_on_one_page() -> None:
    long = "Supercalifragilistic " * 40
    ticket = view(event_title=long, venue=long, type_name=long, attendee_name="A" * 200)

    pdf = tickets_pdf([ticket, ticket])

    assert page_count(pdf) == 2
    for page in content_streams(pdf):
        rects = re.findall(r"[\d.]+ ([\d.]+) [\d.]+ -([\d.]+) re f", page)
        assert all(float(y) - float(h) >= 0 for y, h in rects)  # the QR code is still on the page


def test_a_pdf_of_no_tickets_is_refused() -> None:
    with pytest.raises(ValueError):
        tickets_pdf([])


def test_latin_1_tickets_embed_no_font_file_and_others_embed_the_unicode_one() -> None:
    latin = tickets_pdf([view(attendee_name="José Müller")])
    assert b"/FontFile2" not in latin and b"/Helvetica" in latin  # the core font: nothing to load or subset
    if ticket_render.default_font() is not None:
        assert b"/FontFile2" in tickets_pdf([view(attendee_name="Мария")])
