import { useEffect, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api/client';
import { joinQueue } from '../api/queue';
import type { TicketedEvent } from '../api/tickets';
import type { Event } from '../api/types';
import { formatDate, formatMoney } from '../checkout/state';
import { loadPass } from '../queue/storage';
import { useSession } from '../session';
import { ErrorBox, Loading, PageTitle } from '../ui';
import { seatsLeft } from './Events';
import { HoldForm } from './HoldForm';
import { WaitlistPanel } from './Waitlist';

/** `€25.00 per seat`, or `from €25.00` when the event sells several ticket types. */
export function priceText(event: TicketedEvent): string {
  if (event.price_cents === 0 && (event.ticket_types?.length ?? 0) <= 1) return 'Free';
  const price = formatMoney(event.price_cents, event.currency);
  return (event.ticket_types?.length ?? 0) > 1 ? `from ${price}` : `${price} per seat`;
}

/** A waiting-room event: join its queue (also before the sale opens), or go on to checkout with a valid pass. */
function JoinQueue({ event, opensAt, onChanged }: { event: Event; opensAt: string | null; onChanged: () => void }) {
  const { api, user } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const pass = loadPass(event.id);

  const join = async () => {
    if (!user) {
      navigate(`/login?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await joinQueue(api, event.id);
      navigate(`/events/${event.id}/queue`, { state: { answer, at: Date.now() } });
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.code === 'waiting_room_off') onChanged();
    } finally {
      setBusy(false);
    }
  };

  if (pass && user) {
    return (
      <p className="alert alert-success" data-testid="queue-admitted">
        <strong>It is your turn.</strong>{' '}
        <Link className="button" to={`/events/${event.id}/checkout`}>
          Continue to checkout
        </Link>
      </p>
    );
  }
  return (
    <div className="stack" data-testid="join-queue">
      {opensAt ? (
        <p className="alert alert-info" data-testid="sale-opens">
          The sale opens <time dateTime={opensAt}>{formatDate(opensAt)}</time>. You can join the queue now: the order is
          drawn when the sale opens, so joining early buys no advantage.
        </p>
      ) : (
        <p className="hint">This event sells through a waiting room: join the queue and you are let in to book in turn.</p>
      )}
      <ErrorBox error={error} focus testId="queue-error" />
      <button type="button" onClick={join} disabled={busy}>
        {busy ? 'Joining…' : user ? 'Join the queue' : 'Log in to join the queue'}
      </button>
    </div>
  );
}

export function EventPage() {
  const { id = '' } = useParams();
  const { api } = useSession();
  const [event, setEvent] = useState<TicketedEvent | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
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
  const published = event?.status === 'published';
  const bookable = published && !soldOut && !opensAt;
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
              <dd>{priceText(event)}</dd>
              <dt>Seats</dt>
              <dd data-testid="seats-left">{seatsLeft(event)}</dd>
              {event.max_per_buyer != null && (
                <>
                  <dt>Limit</dt>
                  <dd data-testid="max-per-buyer">{event.max_per_buyer} seats per buyer</dd>
                </>
              )}
              {event.waiting_room && (
                <>
                  <dt>Sale</dt>
                  <dd data-testid="waiting-room">Through a waiting room</dd>
                </>
              )}
            </dl>
            <p>{event.description}</p>
            {event.status !== 'published' && <p className="alert alert-info">This event is {event.status}.</p>}
          </section>
          <section className="card" aria-labelledby="book-heading">
            <h2 id="book-heading">Book tickets</h2>
            {opensAt && !event.waiting_room && (
              <p className="alert alert-info" data-testid="sale-opens">
                The sale opens <time dateTime={opensAt}>{formatDate(opensAt)}</time>. Come back then.
              </p>
            )}
            {event.waiting_room && published && !soldOut && <JoinQueue event={event} opensAt={opensAt} onChanged={load} />}
            <HoldForm event={event} showForm={bookable && !event.waiting_room} onSoldOut={load} />
            {published && soldOut && <WaitlistPanel event={event} onSeatsBack={load} />}
          </section>
        </div>
      )}
    </>
  );
}
