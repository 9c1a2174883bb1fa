import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { getWaitlist, type WaitlistEntry } from '../api/queue';
import type { TicketedBooking as Booking } from '../api/tickets';
import type { Event, Receipt } from '../api/types';
import { formatDate, formatMoney } from '../checkout/state';
import { leftToPay } from '../queue/state';
import { useSession } from '../session';
import { ErrorBox, Loading, PageTitle, StatusBadge, useNow } from '../ui';
import { AttendeesEditor } from './AttendeesEditor';
import { BookingTickets } from './BookingTickets';

function CancelButton({ booking, onCancelled }: { booking: Booking; onCancelled: (b: Booking) => void }) {
  const { api } = useSession();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const yes = useRef<HTMLButtonElement>(null);
  const ask = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) yes.current?.focus();
  }, [asking]);

  if (!asking) {
    return (
      <button type="button" className="secondary" ref={ask} onClick={() => setAsking(true)}>
        Cancel booking
      </button>
    );
  }
  const refund = booking.status === 'confirmed' ? ' The payment will be refunded.' : '';
  return (
    <div className="confirm" role="group" aria-label="Confirm cancellation">
      <p>Cancel this booking?{refund}</p>
      <button
        type="button"
        className="danger"
        ref={yes}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            onCancelled(await api.cancelBooking(booking.id));
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? 'Cancelling…' : 'Yes, cancel'}
      </button>{' '}
      <button type="button" className="secondary" onClick={() => setAsking(false)} disabled={busy}>
        Keep it
      </button>
      <ErrorBox error={error} />
    </div>
  );
}

export function BookingsPage() {
  const { api } = useSession();
  const [bookings, setBookings] = useState<Booking[] | null>(null);
  const [events, setEvents] = useState<Record<string, Event>>({});
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  // The user's waiting-list entry per event of a pending booking: is that booking an offer made from the list?
  const [waitlist, setWaitlist] = useState<Record<string, WaitlistEntry | null>>({});
  const asked = useRef(new Set<string>());
  const anyPending = !!bookings?.some((b) => b.status === 'pending');
  const now = useNow(anyPending);

  useEffect(() => {
    const ids = [...new Set((bookings ?? []).filter((b) => b.status === 'pending').map((b) => b.event_id))];
    for (const eventId of ids.filter((e) => !asked.current.has(e))) {
      asked.current.add(eventId);
      getWaitlist(api, eventId)
        .catch(() => null) // no entry (404), or the list is unavailable: then it is an ordinary hold
        .then((entry) => setWaitlist((current) => ({ ...current, [eventId]: entry })));
    }
  }, [api, bookings]);

  const addEvents = async (items: Booking[]) => {
    const ids = [...new Set(items.map((b) => b.event_id))];
    const found = await Promise.all(ids.map((id) => api.getEvent(id).catch(() => null)));
    setEvents((current) => ({ ...current, ...Object.fromEntries(found.filter((e): e is Event => !!e).map((e) => [e.id, e])) }));
  };

  const load = async (after: string | null) => {
    try {
      const page = await api.listBookings(after);
      setBookings((current) => (after ? [...(current ?? []), ...page.items] : page.items));
      setCursor(page.next_cursor);
      await addEvents(page.items);
    } catch (e) {
      setError(e);
    }
  };

  useEffect(() => {
    void load(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);

  // Per booking: bumped after its names change, so its tickets are read again.
  const [renamed, setRenamed] = useState<Record<string, number>>({});
  const renameSaved = (updated: Booking) => {
    setBookings((current) => (current ?? []).map((b) => (b.id === updated.id ? updated : b)));
    setRenamed((current) => ({ ...current, [updated.id]: (current[updated.id] ?? 0) + 1 }));
  };

  const replace = (updated: Booking) => {
    setBookings((current) => (current ?? []).map((b) => (b.id === updated.id ? updated : b)));
    setNotice(`Booking cancelled${updated.payment?.status === 'refunded' ? ' and refunded' : ''}.`);
  };

  return (
    <>
      <PageTitle title="My bookings">My bookings</PageTitle>
      <p className="sr-only" role="status" aria-live="polite">
        {notice}
      </p>
      {notice && (
        <p className="alert alert-success" data-testid="notice">
          {notice}
        </p>
      )}
      <ErrorBox error={error} />
      {bookings === null && !error && <Loading what="Loading your bookings" />}
      {bookings && bookings.length === 0 && (
        <p>
          No bookings yet. <Link to="/">Find an event</Link>.
        </p>
      )}
      {bookings && bookings.length > 0 && (
        <ul className="booking-list" aria-label="Bookings">
          {bookings.map((b) => {
            const event = events[b.event_id];
            const offer = b.status === 'pending' && waitlist[b.event_id]?.offer?.id === b.id;
            const left = b.status === 'pending' ? leftToPay(b.expires_at, now) : null;
            return (
              <li key={b.id} className="card booking" data-testid="booking" data-status={b.status}>
                <div>
                  <h2>{event ? <Link to={`/events/${event.id}`}>{event.title}</Link> : 'Event'}</h2>
                  <p className="meta">
                    {event && `${formatDate(event.starts_at)} · ${event.venue} · `}
                    {b.quantity} seat{b.quantity === 1 ? '' : 's'} · {formatMoney(b.amount_cents, b.currency)}
                  </p>
                  {(b.lines?.length ?? 0) > 1 && (
                    <p className="meta" data-testid="booking-lines">
                      {(b.lines ?? []).map((l) => `${l.quantity} × ${l.name}`).join(', ')}
                      {b.promo_code ? ` · code ${b.promo_code}` : ''}
                    </p>
                  )}
                  {offer && (
                    <p className="offer" data-testid="waitlist-offer">
                      <strong>Offer from the waiting list</strong>: seats held for you.
                    </p>
                  )}
                  <p>
                    <StatusBadge status={b.status} />
                    {b.payment?.status === 'refunded' && <StatusBadge status="refunded" />}
                    {left && (
                      <span className="muted">
                        {' '}
                        <span role="timer" className="booking-countdown" data-testid="booking-countdown">
                          {left.text}
                        </span>{' '}
                        (until {formatDate(b.expires_at)})
                      </span>
                    )}
                  </p>
                </div>
                <div className="actions">
                  {left && left.seconds > 0 && (
                    <Link className="button" to={`/checkout/${b.id}`}>
                      {offer ? 'Pay' : 'Pay now'}
                    </Link>
                  )}
                  {b.status === 'confirmed' && (
                    <Link className="button secondary" to={`/bookings/${b.id}/receipt`}>
                      Receipt
                    </Link>
                  )}
                  {(b.status === 'pending' || b.status === 'confirmed') && <CancelButton booking={b} onCancelled={replace} />}
                </div>
                {(b.status === 'confirmed' || b.status === 'pending') && (
                  <div className="booking-extra">
                    {b.status === 'confirmed' && <BookingTickets bookingId={b.id} version={renamed[b.id] ?? 0} />}
                    {event && Date.parse(event.starts_at) > now && (
                      <AttendeesEditor booking={b} onSaved={(updated) => renameSaved(updated)} />
                    )}
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {cursor && (
        <button type="button" className="secondary" onClick={() => load(cursor)}>
          More bookings
        </button>
      )}
    </>
  );
}

export function ReceiptPage() {
  const { id = '' } = useParams();
  const { api } = useSession();
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.receipt(id).then(setReceipt, setError);
  }, [api, id]);

  return (
    <>
      <p className="breadcrumb no-print">
        <Link to="/bookings">← My bookings</Link>
      </p>
      <PageTitle title="Receipt">Receipt</PageTitle>
      <ErrorBox error={error} />
      {!receipt && !error && <Loading />}
      {receipt && (
        <article className="card receipt" data-testid="receipt">
          <dl className="facts">
            <dt>Receipt number</dt>
            <dd data-testid="receipt-number">{receipt.receipt_number}</dd>
            <dt>Event</dt>
            <dd>{receipt.event.title}</dd>
            <dt>When</dt>
            <dd>{formatDate(receipt.event.starts_at)}</dd>
            <dt>Where</dt>
            <dd>{receipt.event.venue}</dd>
            <dt>Seats</dt>
            <dd>{receipt.quantity}</dd>
            <dt>Amount paid</dt>
            <dd>{formatMoney(receipt.amount_cents, receipt.currency)}</dd>
            <dt>Paid at</dt>
            <dd>{formatDate(receipt.paid_at)}</dd>
            <dt>Payment reference</dt>
            <dd>
              <code>{receipt.payment_reference}</code>
            </dd>
            <dt>Booking</dt>
            <dd>
              <code>{receipt.booking_id}</code>
            </dd>
          </dl>
          <p className="no-print">
            <button type="button" onClick={() => window.print()}>
              Print receipt
            </button>
          </p>
        </article>
      )}
    </>
  );
}
