// Checkout of a waiting-room event once admitted: the pass's countdown, then the hold, sent with `Queue-Pass`.
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { Event } from '../api/types';
import { formatCountdown, formatDate, secondsLeft } from '../checkout/state';
import { clearPass, loadPass } from '../queue/storage';
import { ErrorBox, Loading, PageTitle, useNow } from '../ui';
import { useSession } from '../session';
import { priceText } from './Event';
import { HoldForm } from './HoldForm';

export function QueueCheckoutPage() {
  const { id = '' } = useParams();
  const { api } = useSession();
  const [event, setEvent] = useState<Event | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [refused, setRefused] = useState(false);
  const now = useNow();
  const pass = refused ? null : loadPass(id, now);

  const load = () => api.getEvent(id).then(setEvent, setError);
  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, id]);

  return (
    <div className="narrow">
      <p className="breadcrumb">
        <Link to={`/events/${id}`}>← {event?.title ?? 'The event'}</Link>
      </p>
      <PageTitle title="Checkout">Checkout</PageTitle>
      <ErrorBox error={error} />
      {!event && !error && <Loading />}
      {event && (
        <section className="card stack" aria-label="Order" data-testid="queue-checkout">
          <div>
            <h2>{event.title}</h2>
            <p className="meta">
              {formatDate(event.starts_at)} · {event.venue} · {priceText(event)}
            </p>
          </div>
          {pass ? (
            <div className="countdown" data-testid="pass">
              <span>It is your turn: book within</span>{' '}
              <span role="timer" aria-label="Time left on your pass" data-testid="pass-countdown">
                {formatCountdown(secondsLeft(pass.admitted_until, now))}
              </span>
            </div>
          ) : (
            <div className="alert alert-error" role="alert" data-code="queue_pass_required" data-testid="no-pass">
              <strong>{refused ? 'Your pass was not accepted.' : 'You have no valid pass for this event.'}</strong> Seats
              for it are sold through the waiting room, and a pass lasts a few minutes.{' '}
              <Link to={`/events/${id}/queue`}>Back to the queue</Link>
            </div>
          )}
          <HoldForm
            event={event}
            showForm={!!pass && event.status === 'published' && event.seats_available > 0}
            pass={pass?.pass}
            onSoldOut={load}
            onPassRefused={() => {
              clearPass(id);
              setRefused(true);
            }}
          />
        </section>
      )}
    </div>
  );
}
