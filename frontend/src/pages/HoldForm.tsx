// The ticket picker and the hold, shared by the event page (direct sale) and the waiting room's checkout (with a pass):
// a quantity per ticket type (one "Seats" field for a single type), a promo code, and who sits on each seat.
import { useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { ApiError, newIdempotencyKey } from '../api/client';
import { holdTickets, type TicketType, type TicketedEvent } from '../api/tickets';
import { formatMoney, messageFor } from '../checkout/state';
import { useSession } from '../session';
import {
  holdBody,
  holdProblems,
  initialQuantities,
  orderMax,
  seatCount,
  seatsMissingName,
  seatsOf,
  holdLines,
  subtotalCents,
  type AttendeeEntries,
  type Quantities,
} from '../tickets/order';
import { ErrorBox, useNow } from '../ui';
import { AttendeeFields } from './AttendeeFields';
import { TicketPicker } from './TicketPicker';

/** The one "type" of an event from a server without ticket types: booked with the old `{event_id, quantity}`. */
const WHOLE_EVENT = '__event__';
function typesOf(event: TicketedEvent): TicketType[] {
  if (event.ticket_types?.length) return event.ticket_types;
  const { price_cents, capacity: quota, seats_available: available } = event;
  return [{ id: WHOLE_EVENT, name: 'Seats', price_cents, quota, available, sales_start: null, sales_end: null, max_per_order: null }];
}

export function HoldForm({
  event,
  showForm,
  pass,
  onSoldOut,
  onPassRefused,
}: {
  event: TicketedEvent;
  /** False: only the sold-out notice and the last error are shown (not on sale, sold out, waiting room). */
  showForm: boolean;
  /** The queue pass of a waiting-room event, sent as `Queue-Pass`. */
  pass?: string | null;
  onSoldOut?: () => void;
  onPassRefused?: () => void;
}) {
  const { api, user } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const now = useNow();
  const types = useMemo(() => typesOf(event), [event]);
  const legacy = types[0].id === WHOLE_EVENT;
  const [quantities, setQuantities] = useState<Quantities>(() => initialQuantities(types));
  const [promo, setPromo] = useState('');
  const [entries, setEntries] = useState<AttendeeEntries>({});
  const [namesOpen, setNamesOpen] = useState(false);
  const [missing, setMissing] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // One key per body: a retry (after a timeout, say) sends the same key, so it can never hold twice.
  const attempt = useRef<{ body: string; key: string } | null>(null);

  const seats = seatsOf(holdLines(types, quantities), types);
  const count = seatCount(quantities);
  const problems = holdProblems(error, seats);
  const seatProblems = { ...problems.bySeat, ...missing };

  const hold = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!user) {
      navigate(`/login?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    const unnamed = seatsMissingName(seats, entries);
    setMissing(unnamed);
    if (Object.keys(unnamed).length) {
      setNamesOpen(true);
      return;
    }
    const body = holdBody(event.id, types, quantities, legacy ? '' : promo, legacy ? {} : entries);
    const serial = JSON.stringify(body);
    if (!attempt.current || attempt.current.body !== serial) attempt.current = { body: serial, key: newIdempotencyKey() };
    setBusy(true);
    setError(null);
    try {
      const booking = legacy
        ? await api.hold(event.id, count, attempt.current.key, pass)
        : await holdTickets(api, body, attempt.current.key, pass);
      attempt.current = null;
      navigate(`/checkout/${booking.id}`);
    } catch (err) {
      setError(err);
      const code = err instanceof ApiError ? err.code : null;
      if (code === 'sold_out') {
        attempt.current = null;
        onSoldOut?.();
      }
      if (code === 'queue_pass_required') onPassRefused?.();
      if (err instanceof ApiError && Object.keys(err.fields).some((f) => f.startsWith('attendees'))) setNamesOpen(true);
    } finally {
      setBusy(false);
    }
  };

  const soldOut = event.seats_available <= 0;
  const code = error instanceof ApiError ? error.code : null;
  const total = subtotalCents(types, quantities);
  return (
    <>
      {soldOut && !error && (
        <p className="alert alert-error" role="alert" data-code="sold_out">
          <strong>Sold out.</strong> There are no seats left for this event.
        </p>
      )}
      <ErrorBox error={error} focus testId="hold-error">
        {messageFor(error).next === 'retry' && (
          <>
            {' '}
            <button type="button" onClick={() => hold()} disabled={busy}>
              Try again
            </button>
          </>
        )}
        {code === 'queue_pass_required' && (
          <>
            {' '}
            <Link to={`/events/${event.id}/queue`}>Join the queue again</Link>
          </>
        )}
      </ErrorBox>
      {showForm && (
        <form onSubmit={hold} className="hold-form stack" aria-label="Choose tickets">
          <TicketPicker
            event={event}
            types={types}
            quantities={quantities}
            onChange={setQuantities}
            problems={problems.byType}
            orderLimit={orderMax(event)}
            now={now}
          />
          {!legacy && (
            <>
              <div className="field promo-field">
                <label htmlFor="promo-code">Promo code (optional)</label>
                <input
                  id="promo-code"
                  name="promo_code"
                  autoComplete="off"
                  autoCapitalize="characters"
                  spellCheck={false}
                  maxLength={64}
                  value={promo}
                  onChange={(e) => setPromo(e.target.value)}
                  aria-invalid={problems.promo ? true : undefined}
                  aria-describedby={problems.promo ? 'promo-code-error' : 'promo-code-hint'}
                />
                {problems.promo ? (
                  <p className="field-error" id="promo-code-error" data-testid="promo-error">
                    {problems.promo}
                  </p>
                ) : (
                  <p className="hint" id="promo-code-hint">
                    The discount shows at checkout.
                  </p>
                )}
              </div>
              {seats.length > 0 && (
                <details className="attendee-names" open={namesOpen} onToggle={(e) => setNamesOpen(e.currentTarget.open)}>
                  <summary>Names on the tickets (optional)</summary>
                  <p className="hint">One per seat. A seat left blank gets a ticket in your name.</p>
                  {problems.attendees && <p className="field-error">{problems.attendees}</p>}
                  <AttendeeFields seats={seats} entries={entries} onChange={setEntries} problems={seatProblems} idPrefix="seat" />
                </details>
              )}
            </>
          )}
          <p className="total" aria-live="polite">
            Total: <strong data-testid="hold-total">{formatMoney(total, event.currency)}</strong>
            {promo.trim() && <span className="hint"> before the promo code</span>}
          </p>
          <button type="submit" disabled={busy || (!!user && count === 0)}>
            {busy
              ? 'Holding seats…'
              : !user
                ? 'Log in to book'
                : count === 0
                  ? 'Choose your tickets'
                  : `Hold ${count} seat${count === 1 ? '' : 's'}`}
          </button>
          <p className="hint">Seats are held for a few minutes while you pay.</p>
        </form>
      )}
    </>
  );
}
