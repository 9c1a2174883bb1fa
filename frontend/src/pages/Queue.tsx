// The waiting room: the user's place in an event's queue, polled at the pace the server asks for (Retry-After),
// until they are admitted (then on to checkout with the pass), the pass runs out, or the sale closes.
import { useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api/client';
import { getQueue, joinQueue, leaveQueue, type QueueAnswer, type QueueEntry } from '../api/queue';
import type { Event } from '../api/types';
import { formatCountdown, formatDate, messageFor, secondsLeft } from '../checkout/state';
import { firstSpot, formatWait, pollDelayMs, queueProgress, type Spot } from '../queue/state';
import { clearPass, loadFirstSpot, saveFirstSpot, savePass } from '../queue/storage';
import { useSession } from '../session';
import { ErrorBox, Loading, PageTitle, useNow } from '../ui';
import { WaitlistPanel } from './Waitlist';

const ADMITTED_PAUSE_MS = 1500;

function ProgressBar({ value }: { value: number }) {
  const percent = Math.round(value * 100);
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label="Progress through the queue"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      data-testid="queue-progress"
    >
      <span style={{ width: `${percent}%` }} />
    </div>
  );
}

function ProgressCaption({ value }: { value: number }) {
  const percent = Math.round(value * 100);
  return (
    <p className="hint" aria-hidden="true">
      {percent === 0 ? 'Your place moves up as the people ahead are let in.' : `${percent} % of the way to the front since you arrived.`}
    </p>
  );
}

/** The join's answer handed over by the event page, if it is only seconds old (history state outlives a reload). */
function freshAnswer(state: unknown): QueueAnswer | null {
  const handed = state as { answer?: QueueAnswer; at?: number } | null;
  return handed?.answer && typeof handed.at === 'number' && Date.now() - handed.at < 5000 ? handed.answer : null;
}

export function QueuePage() {
  const { id = '' } = useParams();
  const { api } = useSession();
  const navigate = useNavigate();
  const go = useRef(navigate);
  go.current = navigate;
  const location = useLocation();
  const [event, setEvent] = useState<Event | null>(null);
  const [entry, setEntry] = useState<QueueEntry | null>(null);
  const [missing, setMissing] = useState(false);
  const [pollError, setPollError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [generation, setGeneration] = useState(0);
  const first = useRef<Spot | null>(loadFirstSpot(id));
  // The join's own answer (from the event page, or a rejoin here) stands for the first poll.
  const seed = useRef<QueueAnswer | null>(freshAnswer(location.state));
  const waitingForSale = entry?.status === 'waiting' && entry.position === null;
  const now = useNow(waitingForSale);

  useEffect(() => {
    api.getEvent(id).then(setEvent, () => undefined);
  }, [api, id]);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const schedule = (ms: number) => {
      if (!stopped) timer = setTimeout(poll, ms);
    };
    const observe = ({ entry: e, retryAfter }: QueueAnswer) => {
      const spot = firstSpot(first.current, e);
      if (spot !== first.current) saveFirstSpot(id, (first.current = spot));
      setEntry(e);
      setMissing(false);
      setPollError(null);
      if (e.status === 'admitted' && e.pass && e.admitted_until) {
        savePass(id, { pass: e.pass, admitted_until: e.admitted_until });
        saveFirstSpot(id, (first.current = null));
        // A moment to read (and hear) that it is their turn, then on to checkout by itself.
        timer = setTimeout(() => !stopped && go.current(`/events/${id}/checkout`, { replace: true }), ADMITTED_PAUSE_MS);
      } else if (e.status === 'waiting') {
        schedule(pollDelayMs(retryAfter));
      }
    };
    async function poll() {
      try {
        const answer = await getQueue(api, id);
        if (stopped) return;
        failures = 0;
        observe(answer);
      } catch (err) {
        if (stopped) return;
        if (err instanceof ApiError && err.status === 404) return setMissing(true);
        setPollError(err);
        // Refused for good (the session ended, the event has no waiting room…): polling again would not change it.
        if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) return;
        failures += 1;
        schedule(pollDelayMs(err instanceof ApiError ? err.retryAfter : null, failures));
      }
    }
    const answer = seed.current;
    seed.current = null;
    if (answer) observe(answer);
    else void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, id, generation]);

  /** Join again: after a spent pass the old entry is left first (joining returns the same entry otherwise). */
  const rejoin = async (leaveFirst: boolean) => {
    setBusy(true);
    setActionError(null);
    try {
      if (leaveFirst) await leaveQueue(api, id).catch(() => undefined);
      clearPass(id);
      saveFirstSpot(id, (first.current = null));
      seed.current = await joinQueue(api, id);
      setGeneration((g) => g + 1);
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };

  const leave = async () => {
    setBusy(true);
    setActionError(null);
    try {
      await leaveQueue(api, id);
      saveFirstSpot(id, (first.current = null));
      navigate(`/events/${id}`);
    } catch (err) {
      setActionError(err);
      setBusy(false);
    }
  };

  const opensAt = event?.sale_starts_at ?? null;
  const wait = formatWait(entry?.estimated_wait_s);
  return (
    <div className="narrow">
      <p className="breadcrumb">
        <Link to={`/events/${id}`}>← {event?.title ?? 'The event'}</Link>
      </p>
      <PageTitle title="Waiting room">Waiting room</PageTitle>
      {event && <p className="meta">{`${event.title} · ${formatDate(event.starts_at)} · ${event.venue}`}</p>}
      <p className="sr-only" role="status" aria-live="polite">
        {entry?.status === 'waiting' && entry.position !== null ? `You are number ${entry.position} in the queue.` : ''}
      </p>
      {pollError instanceof ApiError && pollError.status >= 400 && pollError.status < 500 && pollError.status !== 429 ? (
        <ErrorBox error={pollError} />
      ) : pollError ? (
        <p className="alert alert-info" data-testid="queue-retrying">
          Could not refresh your place ({messageFor(pollError).title.toLowerCase()}). Trying again by itself — you keep
          your place.
        </p>
      ) : null}
      <ErrorBox error={actionError} focus testId="queue-error" />
      {!entry && !missing && !pollError && <Loading what="Finding your place in the queue" />}
      {missing && (
        <section className="card stack" data-testid="queue-missing">
          <p>You are not in the queue for this event.</p>
          <button type="button" onClick={() => rejoin(false)} disabled={busy}>
            Join the queue
          </button>
        </section>
      )}
      {entry && !missing && (
        <section className="card stack queue" data-testid="queue" data-status={entry.status}>
          {waitingForSale && (
            <div data-testid="queue-before-sale">
              <h2>You are in the queue</h2>
              <p>
                The sale opens {opensAt ? <time dateTime={opensAt}>{formatDate(opensAt)}</time> : 'soon'}
                {opensAt && secondsLeft(opensAt, now) > 0 && (
                  <>
                    {' '}
                    (in <span role="timer">{formatCountdown(secondsLeft(opensAt, now))}</span>)
                  </>
                )}
                . The order is drawn when the sale opens: everyone who joined before then gets a place at random, so
                there was no need to hurry.
              </p>
              {opensAt && secondsLeft(opensAt, now) <= 0 && (
                <p data-testid="queue-drawn">
                  The sale is open and the order is drawn. Places are shown from the front of the line first, so
                  yours appears within a minute at most.
                </p>
              )}
              <p className="hint">Keep this page open: it moves on by itself.</p>
            </div>
          )}
          {entry.status === 'waiting' && entry.position !== null && (
            <div>
              <p className="queue-place">
                <span className="muted">Your place</span> <strong data-testid="queue-position">{entry.position}</strong>
              </p>
              <dl className="facts">
                <dt>People ahead of you</dt>
                <dd data-testid="queue-ahead">{entry.ahead ?? '—'}</dd>
                <dt>Estimated wait</dt>
                <dd data-testid="queue-wait">{wait ?? 'not known yet'}</dd>
              </dl>
              <ProgressBar value={queueProgress(first.current, entry, entry.status)} />
              <ProgressCaption value={queueProgress(first.current, entry, entry.status)} />
              <p className="hint">
                This page updates by itself. When it is your turn, you go straight to checkout — keep it open.
              </p>
            </div>
          )}
          {entry.status === 'admitted' && (
            <p className="alert alert-success" role="alert" data-testid="queue-admitted">
              <strong>It is your turn.</strong>
              {entry.position !== null && (
                <>
                  {' '}
                  You were number <strong data-testid="queue-position">{entry.position}</strong> in the queue.
                </>
              )}{' '}
              Taking you to checkout… <Link to={`/events/${id}/checkout`}>Go to checkout now</Link>
            </p>
          )}
          {entry.status === 'expired' && (
            <div className="alert alert-error" role="alert" data-code="queue_pass_expired">
              <p>
                <strong>Your pass ran out.</strong> It was your turn, but the time to book passed without a booking.
              </p>
              <button type="button" onClick={() => rejoin(true)} disabled={busy}>
                {busy ? 'Joining…' : 'Join the queue again'}
              </button>
            </div>
          )}
          {entry.status === 'closed' && (
            <>
              <p className="alert alert-error" role="alert" data-code="sold_out">
                <strong>{event?.status === 'cancelled' ? 'This event is cancelled.' : 'Sold out.'}</strong> The queue is
                closed: no seats are left to sell.
              </p>
              {event && event.status === 'published' && <WaitlistPanel event={event} />}
            </>
          )}
          {entry.status === 'waiting' && (
            <p>
              <button type="button" className="secondary" onClick={leave} disabled={busy}>
                Leave the queue
              </button>
            </p>
          )}
        </section>
      )}
    </div>
  );
}
