// A confirmed booking's tickets in My bookings: type, attendee, status and QR code of each, and the PDF to print.
import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client';
import { bookingTickets, ticketQrSvg, ticketsPdf, type Ticket } from '../api/tickets';
import { formatDate } from '../checkout/state';
import { useSession } from '../session';
import { saveFile, svgDataUrl } from '../tickets/files';
import { ErrorBox, Loading } from '../ui';

const STATUS_TEXT: Record<string, string> = { valid: 'valid', checked_in: 'checked in', void: 'void' };

/** The QR code, fetched with the token and shown from a data: URL (what the app's CSP allows for images). */
function QrImage({ api, ticket }: { api: ApiClient; ticket: Ticket }) {
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    ticketQrSvg(api, ticket.id).then(
      (svg) => live && setSrc(svgDataUrl(svg)),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [api, ticket.id]);
  if (failed) return <p className="hint">The QR code could not be loaded: the PDF has it too.</p>;
  if (!src) return <div className="qr qr-loading" aria-hidden="true" />;
  return <img className="qr" src={src} alt={`QR code of the ticket for ${ticket.attendee_name}`} data-testid="ticket-qr" />;
}

export function BookingTickets({ bookingId, version = 0 }: { bookingId: string; version?: number }) {
  const { api } = useSession();
  const [tickets, setTickets] = useState<Ticket[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [downloading, setDownloading] = useState(false);
  const [downloadError, setDownloadError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    bookingTickets(api, bookingId).then(
      (items) => {
        if (!live) return;
        setTickets(items);
        setError(null);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [api, bookingId, version]);

  const download = async () => {
    setDownloading(true);
    setDownloadError(null);
    try {
      saveFile(await ticketsPdf(api, bookingId), `tickets-${bookingId}.pdf`);
    } catch (e) {
      setDownloadError(e);
    } finally {
      setDownloading(false);
    }
  };

  const printable = (tickets ?? []).some((t) => t.status !== 'void');
  return (
    <section className="tickets" aria-label="Tickets" data-testid="tickets">
      <h3>Tickets</h3>
      <ErrorBox error={error} />
      {!tickets && !error && <Loading what="Loading the tickets" />}
      {tickets && (
        <ul className="ticket-list">
          {tickets.map((ticket) => (
            <li key={ticket.id} className="ticket" data-testid="ticket" data-status={ticket.status}>
              {ticket.status !== 'void' && <QrImage api={api} ticket={ticket} />}
              <div>
                <p className="ticket-kind">{ticket.type_name}</p>
                <p data-testid="ticket-attendee">{ticket.attendee_name}</p>
                <p>
                  <span className={`badge badge-${ticket.status}`}>{STATUS_TEXT[ticket.status] ?? ticket.status}</span>
                  {ticket.checked_in_at && <span className="muted">{formatDate(ticket.checked_in_at)}</span>}
                </p>
                <p className="hint">
                  Code <code data-testid="ticket-code">{ticket.code}</code>
                </p>
              </div>
            </li>
          ))}
        </ul>
      )}
      {printable && (
        <p>
          <button type="button" className="secondary" onClick={download} disabled={downloading}>
            {downloading ? 'Preparing the PDF…' : 'Download tickets (PDF)'}
          </button>
        </p>
      )}
      <ErrorBox error={downloadError} focus />
    </section>
  );
}
