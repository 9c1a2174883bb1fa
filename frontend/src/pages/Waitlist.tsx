// The waiting list of a sold-out event: join with a quantity, see the place or the offer made, leave.
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router';
import { ApiError } from '../api/client';
import { getWaitlist, joinWaitlist, leaveWaitlist, type WaitlistEntry } from '../api/queue';
import type { Event } from '../api/types';
import { formatCountdown, formatDate, secondsLeft } from '../checkout/state';
import { useSession } from '../session';
import { ErrorBox, Loading, useNow } from '../ui';

const MAX_PER_ORDER = 10;

export function WaitlistPanel({ event, onSeatsBack }: { event: Event; onSeatsBack?: () => void }) {
  const { api, user } = useSession();
  const location = useLocation();
  const [entry, setEntry] = useState<WaitlistEntry | null | undefined>(undefined);
  const [quantity, setQuantity] = useState(1);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const offer = entry?.status === 'offered' ? entry.offer : null;
  const now = useNow(!!offer);

  useEffect(() => {
    if (!user) return;
    let live = true;
    getWaitlist(api, event.id).then(
      (e) => live && setEntry(e),
      () => live && setEntry(null), // the form still works; joining reports any real problem
    );
    return () => {
      live = false;
    };
  }, [api, user, event.id]);

  const max = Math.max(1, Math.min(MAX_PER_ORDER, event.max_per_buyer ?? MAX_PER_ORDER));
  const run = async (action: () => Promise<WaitlistEntry | null>) => {
    setBusy(true);
    setError(null);
    try {
      setEntry(await action());
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.code === 'seats_available') onSeatsBack?.();
    } finally {
      setBusy(false);
    }
  };
  // An expired entry is left first: joining again would return the same, spent entry.
  const join = (e?: FormEvent) => {
    e?.preventDefault();
    const fresh = () => joinWaitlist(api, event.id, quantity);
    void run(entry ? () => leaveWaitlist(api, event.id).then(fresh) : fresh);
  };
  const leave = () => void run(() => leaveWaitlist(api, event.id).then(() => null));

  let body;
  if (!user) {
    body = (
      <p>
        <Link to={`/login?next=${encodeURIComponent(location.pathname)}`}>Log in to join the waiting list</Link>
      </p>
    );
  } else if (entry === undefined) {
    body = <Loading what="Checking the waiting list" />;
  } else if (entry === null || entry.status === 'expired') {
    body = (
      <form onSubmit={join} className="stack">
        {entry?.status === 'expired' && (
          <p className="alert alert-info">The seats offered to you were not paid in time and went to the next in line.</p>
        )}
        <p className="hint">
          When seats come back, they are offered in order: we hold them for you and send you an e-mail.
        </p>
        <div className="field">
          <label htmlFor="waitlist-quantity">Seats wanted</label>
          <input
            id="waitlist-quantity"
            type="number"
            inputMode="numeric"
            min={1}
            max={max}
            value={quantity}
            onChange={(e) => setQuantity(Math.max(1, Math.min(max, Math.round(Number(e.target.value)) || 1)))}
          />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Joining…' : 'Join the waiting list'}
        </button>
      </form>
    );
  } else {
    body = (
      <div data-testid="waitlist-entry" data-status={entry.status}>
        {entry.status === 'waiting' && (
          <p>
            You are on the waiting list for {entry.quantity} seat{entry.quantity === 1 ? '' : 's'}
            {entry.position != null && (
              <>
                {' '}
                — number <strong data-testid="waitlist-position">{entry.position}</strong> in line
              </>
            )}
            .
          </p>
        )}
        {offer && (
          <p className="alert alert-success">
            <strong>Seats are held for you.</strong> Pay within{' '}
            <span role="timer">{formatCountdown(secondsLeft(offer.expires_at, now))}</span> (until{' '}
            {formatDate(offer.expires_at)}).{' '}
            <Link className="button" to={`/checkout/${offer.id}`}>
              Pay
            </Link>
          </p>
        )}
        {entry.status === 'booked' && (
          <p>
            You booked seats through the waiting list. <Link to="/bookings">My bookings</Link>
          </p>
        )}
        {entry.status !== 'booked' && (
          <button type="button" className="secondary" onClick={leave} disabled={busy}>
            {busy ? 'Leaving…' : 'Leave the waiting list'}
          </button>
        )}
      </div>
    );
  }
  return (
    <section className="waitlist" aria-labelledby="waitlist-heading">
      <h3 id="waitlist-heading">Waiting list</h3>
      <ErrorBox error={error} testId="waitlist-error" />
      {body}
    </section>
  );
}
