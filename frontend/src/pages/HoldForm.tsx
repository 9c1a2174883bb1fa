// The quantity picker and the hold, shared by the event page (direct sale) and the waiting room's checkout (with a pass).
import { useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { ApiError, newIdempotencyKey } from '../api/client';
import type { Event } from '../api/types';
import { formatMoney, messageFor } from '../checkout/state';
import { useSession } from '../session';
import { ErrorBox } from '../ui';

const MAX_PER_ORDER = 10;

/** The most seats one order may ask for: the per-order maximum, the seats left, the per-buyer limit. */
export function maxPerOrder(event: Pick<Event, 'seats_available' | 'max_per_buyer'>): number {
  return Math.max(1, Math.min(MAX_PER_ORDER, event.seats_available, event.max_per_buyer ?? MAX_PER_ORDER));
}

export function HoldForm({
  event,
  showForm,
  pass,
  onSoldOut,
  onPassRefused,
}: {
  event: Event;
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
  const [quantity, setQuantity] = useState(1);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // One key per quantity: a retry (after a timeout, say) sends the same key, so it can never hold twice.
  const attempt = useRef<{ quantity: number; key: string } | null>(null);

  const max = maxPerOrder(event);
  const clamp = (n: number) => Math.max(1, Math.min(max, Number.isFinite(n) ? Math.round(n) : 1));

  const hold = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!user) {
      navigate(`/login?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    if (!attempt.current || attempt.current.quantity !== quantity) {
      attempt.current = { quantity, key: newIdempotencyKey() };
    }
    setBusy(true);
    setError(null);
    try {
      const booking = await api.hold(event.id, quantity, attempt.current.key, pass);
      attempt.current = null;
      navigate(`/checkout/${booking.id}`);
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.code === 'sold_out') {
        attempt.current = null;
        onSoldOut?.();
      }
      if (err instanceof ApiError && err.code === 'queue_pass_required') onPassRefused?.();
    } finally {
      setBusy(false);
    }
  };

  const soldOut = event.seats_available <= 0;
  const code = error instanceof ApiError ? error.code : null;
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
        <form onSubmit={hold} className="hold-form">
          <div className="field">
            <label htmlFor="quantity">Seats</label>
            <div className="stepper">
              <button
                type="button"
                className="secondary"
                aria-label="One seat fewer"
                onClick={() => setQuantity((q) => clamp(q - 1))}
                disabled={quantity <= 1}
              >
                −
              </button>
              <input
                id="quantity"
                name="quantity"
                type="number"
                inputMode="numeric"
                min={1}
                max={max}
                value={quantity}
                onChange={(e) => setQuantity(clamp(Number(e.target.value)))}
                aria-describedby="quantity-hint"
              />
              <button
                type="button"
                className="secondary"
                aria-label="One seat more"
                onClick={() => setQuantity((q) => clamp(q + 1))}
                disabled={quantity >= max}
              >
                +
              </button>
            </div>
            <p id="quantity-hint" className="hint">
              Up to {max} per order{event.max_per_buyer != null ? ` (${event.max_per_buyer} per buyer)` : ''}.
            </p>
          </div>
          <p className="total">
            Total: <strong>{formatMoney(event.price_cents * quantity, event.currency)}</strong>
          </p>
          <button type="submit" disabled={busy}>
            {busy ? 'Holding seats…' : user ? `Hold ${quantity} seat${quantity === 1 ? '' : 's'}` : 'Log in to book'}
          </button>
          <p className="hint">Seats are held for a few minutes while you pay.</p>
        </form>
      )}
    </>
  );
}
