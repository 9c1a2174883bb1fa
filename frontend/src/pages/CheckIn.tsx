// The door of an event, for a phone: scan a ticket's QR code with the camera (where the browser can) or type its code;
// a big green or red answer; the counts of who has come. For the organizer and the staff they named (any account).
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/client';
import { checkIn, checkInStats, type CheckInStats, type TicketedEvent } from '../api/tickets';
import { formatDate } from '../checkout/state';
import { useSession } from '../session';
import { RepeatFilter, answerOfCheckIn, answerOfError, countsByType, normaliseCode, type DoorAnswer } from '../tickets/checkin';
import { ErrorBox, PageTitle } from '../ui';
import { QrScanner, cameraScanSupported } from './QrScanner';

const STATS_EVERY_MS = 15_000; // other gates check people in too

function Stats({ stats, event }: { stats: CheckInStats; event: TicketedEvent | null }) {
  const rows = countsByType(stats, event?.ticket_types ?? []).filter((row) => row.total > 0);
  return (
    <section className="card door-stats" aria-labelledby="stats-heading" data-testid="check-in-stats">
      <h2 id="stats-heading">
        Checked in{' '}
        <span data-testid="checked-in-count">
          {stats.checked_in} / {stats.total}
        </span>
      </h2>
      {rows.length > 1 && (
        <ul>
          {rows.map((row) => (
            <li key={row.ticket_type_id}>
              {row.name}: {row.checked_in} / {row.total}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function CheckInPage() {
  const { id = '' } = useParams();
  const { api, user } = useSession();
  const [event, setEvent] = useState<TicketedEvent | null>(null);
  const [stats, setStats] = useState<CheckInStats | null>(null);
  const [statsError, setStatsError] = useState<unknown>(null);
  const [code, setCode] = useState('');
  const [answer, setAnswer] = useState<(DoorAnswer & { n: number }) | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const inFlight = useRef(false);
  const repeats = useRef(new RepeatFilter());
  const scans = useRef(0);
  const camera = cameraScanSupported();

  const loadStats = useCallback(
    () =>
      checkInStats(api, id).then(
        (s) => {
          setStats(s);
          setStatsError(null);
        },
        setStatsError,
      ),
    [api, id],
  );

  useEffect(() => {
    api.getEvent(id).then(setEvent, () => undefined);
    void loadStats();
    const timer = setInterval(() => void loadStats(), STATS_EVERY_MS);
    return () => clearInterval(timer);
  }, [api, id, loadStats]);

  const send = async (raw: string, fromCamera: boolean) => {
    const value = normaliseCode(raw);
    if (!value) return;
    if (fromCamera && (inFlight.current || !repeats.current.admit(value))) return; // the same ticket, still held up
    inFlight.current = true;
    setBusy(true);
    let next: DoorAnswer;
    try {
      next = answerOfCheckIn(await checkIn(api, id, value));
    } catch (error) {
      next = answerOfError(error);
    }
    scans.current += 1;
    setAnswer({ ...next, n: scans.current });
    navigator.vibrate?.(next.ok ? 120 : [120, 80, 120]);
    inFlight.current = false;
    setBusy(false);
    setCode('');
    input.current?.focus();
    void loadStats();
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void send(code, false);
  };

  const forbidden = statsError instanceof ApiError && statsError.status === 403;
  const title = event ? `Check-in: ${event.title}` : 'Check-in';
  return (
    <div className="narrow door">
      <p className="breadcrumb">
        <Link to={`/events/${id}`}>← {event?.title ?? 'The event'}</Link>
      </p>
      <PageTitle title={title}>{title}</PageTitle>
      {event && <p className="meta">{`${formatDate(event.starts_at)} · ${event.venue}`}</p>}
      {forbidden ? (
        <div className="alert alert-error" role="alert" data-code="forbidden" data-testid="check-in-forbidden">
          <h2>You cannot check in tickets for this event</h2>
          <p>
            Only its organizer and the check-in staff they named can. Ask the organizer to add your account
            {user ? (
              <>
                {' '}
                (<strong>{user.email}</strong>)
              </>
            ) : null}{' '}
            as check-in staff, then check again.
          </p>
          <button type="button" className="secondary" onClick={() => void loadStats()}>
            Check again
          </button>
        </div>
      ) : (
        <>
          {statsError ? <ErrorBox error={statsError} /> : null}
          <div
            className={`door-answer ${answer ? (answer.ok ? 'door-ok' : 'door-bad') : 'door-idle'}`}
            role="status"
            aria-live="assertive"
            aria-atomic="true"
            data-testid="check-in-result"
            data-result={answer?.result ?? ''}
            data-scan={answer?.n ?? 0}
          >
            {answer ? (
              <>
                <p className="door-title">
                  <span aria-hidden="true">{answer.ok ? '✔ ' : '✖ '}</span>
                  {answer.title}
                </p>
                <p>{answer.text}</p>
              </>
            ) : (
              <p>Scan a ticket or type its code.</p>
            )}
          </div>
          {camera && <QrScanner onCode={(value) => void send(value, true)} />}
          <form className="card stack" onSubmit={onSubmit} aria-label="Check in a ticket">
            <div className="field">
              <label htmlFor="check-in-code">Ticket code</label>
              <input
                id="check-in-code"
                ref={input}
                autoComplete="off"
                autoCapitalize="characters"
                spellCheck={false}
                enterKeyHint="go"
                maxLength={128}
                value={code}
                onChange={(e) => setCode(e.target.value)}
                aria-describedby="check-in-code-hint"
              />
              <p className="hint" id="check-in-code-hint">
                {camera
                  ? 'Or type or paste the ticket’s code, then Check in.'
                  : 'Type or paste the ticket’s code (this browser cannot scan QR codes with the camera).'}
              </p>
            </div>
            <button type="submit" className="door-button" disabled={busy || !normaliseCode(code)}>
              {busy ? 'Checking…' : 'Check in'}
            </button>
          </form>
          {stats && <Stats stats={stats} event={event} />}
        </>
      )}
    </div>
  );
}
