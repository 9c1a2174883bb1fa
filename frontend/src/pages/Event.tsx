import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { ApiError, newIdempotencyKey } from '../api/client';
import type { Event } from '../api/types';
import { formatDate, formatMoney, messageFor } from '../checkout/state';
import { useSession } from '../session';
import { ErrorBox, Loading, PageTitle } from '../ui';
import { seatsLeft } from './Events';

const MAX_PER_ORDER = 10;

export function EventPage() {
  const { id = '' } = useParams();
  const { api, user } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [event, setEvent] = useState<Event | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [quantity, setQuantity] = useState(1);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // One key per quantity: a retry (after a timeout, say) sends the same key, so it can never hold twice.
  const attempt = useRef<{ quantity: number; key: string } | null>(null);

  const load = () =>
    api.getEvent(id).then(
      (e) => {
        setEvent(e);
        setLoadError(null);
      },
      setLoadError,
    );
  useEffect(() => {
    load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, id]);

  const max = Math.max(1, Math.min(MAX_PER_ORDER, event?.seats_available ?? 1));
  const clamp = (n: number) => Math.max(1, Math.min(max, Number.isFinite(n) ? Math.round(n) : 1));

  const hold = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!event) return;
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
      const booking = await api.hold(event.id, quantity, attempt.current.key);
      attempt.current = null;
      navigate(`/checkout/${booking.id}`);
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.code === 'sold_out') {
        attempt.current = null;
        load();
      }
    } finally {
      setBusy(false);
    }
  };

  if (loadError) {
    return (
      <>
        <PageTitle title="Event">Event</PageTitle>
        <ErrorBox error={loadError} />
        <Link to="/">Back to events</Link>
      </>
    );
  }
  const soldOut = event !== null && event.seats_available <= 0;
  const opensAt = event?.sale_starts_at && new Date(event.sale_starts_at) > new Date() ? event.sale_starts_at : null;
  const bookable = event !== null && event.status === 'published' && !soldOut && !opensAt;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/">← All events</Link>
      </p>
      <PageTitle title={event?.title ?? 'Event'}>{event?.title ?? 'Event'}</PageTitle>
      {!event && <Loading />}
      {event && (
        <div className="event-detail">
          <section className="card">
            <dl className="facts">
              <dt>When</dt>
              <dd>
                <time dateTime={event.starts_at}>{formatDate(event.starts_at)}</time> –{' '}
                <time dateTime={event.ends_at}>{formatDate(event.ends_at)}</time>
              </dd>
              <dt>Where</dt>
              <dd>{event.venue}</dd>
              <dt>Category</dt>
              <dd>{event.category}</dd>
              <dt>Price</dt>
              <dd>{event.price_cents === 0 ? 'Free' : `${formatMoney(event.price_cents, event.currency)} per seat`}</dd>
              <dt>Seats</dt>
              <dd data-testid="seats-left">{seatsLeft(event)}</dd>
              {event.max_per_buyer != null && (
                <>
                  <dt>Limit</dt>
                  <dd data-testid="max-per-buyer">{event.max_per_buyer} seats per buyer</dd>
                </>
              )}
            </dl>
            <p>{event.description}</p>
            {event.status !== 'published' && <p className="alert alert-info">This event is {event.status}.</p>}
          </section>
          <section className="card" aria-labelledby="book-heading">
            <h2 id="book-heading">Book seats</h2>
            {opensAt && (
              <p className="alert alert-info" data-testid="sale-opens">
                The sale opens <time dateTime={opensAt}>{formatDate(opensAt)}</time>. Come back then.
              </p>
            )}
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
            </ErrorBox>
            {bookable && (
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
                    Up to {max} per order.
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
          </section>
        </div>
      )}
    </>
  );
}
