import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import type { Event, OrganizerEvent } from '../api/types';
import { formatDate, formatMoney } from '../checkout/state';
import { useSession } from '../session';
import { ErrorBox, Loading, PageTitle, StatusBadge } from '../ui';

function CancelEvent({ event, onCancelled }: { event: Event; onCancelled: (e: Event) => void }) {
  const { api } = useSession();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) yes.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" className="secondary" onClick={() => setAsking(true)}>
        Cancel<span className="sr-only"> {event.title}</span>
      </button>
    );
  }
  return (
    <div className="confirm" role="group" aria-label={`Confirm cancelling ${event.title}`}>
      <p>Cancel this event? Holds are released and paid bookings refunded.</p>
      <button
        type="button"
        className="danger"
        ref={yes}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            onCancelled(await api.cancelEvent(event.id));
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        Yes, cancel the event
      </button>{' '}
      <button type="button" className="secondary" onClick={() => setAsking(false)}>
        Keep it
      </button>
      <ErrorBox error={error} />
    </div>
  );
}

export function OrganizerPage() {
  const { api } = useSession();
  const [rows, setRows] = useState<OrganizerEvent[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.organizerEvents().then((page) => setRows(page.items), setError);
  }, [api]);

  const totals = (rows ?? []).reduce(
    (acc, r) => ({ seats: acc.seats + r.seats_sold, revenue: { ...acc.revenue, [r.event.currency]: (acc.revenue[r.event.currency] ?? 0) + r.revenue_cents } }),
    { seats: 0, revenue: {} as Record<string, number> },
  );
  return (
    <>
      <PageTitle title="Organizer">Your events</PageTitle>
      <p>
        <Link className="button" to="/organizer/events/new">
          New event
        </Link>
      </p>
      <ErrorBox error={error} />
      {!rows && !error && <Loading what="Loading your events" />}
      {rows && rows.length === 0 && <p>You have no events yet.</p>}
      {rows && rows.length > 0 && (
        <>
          <p className="muted">
            {totals.seats} seats sold ·{' '}
            {Object.entries(totals.revenue)
              .map(([currency, cents]) => formatMoney(cents, currency))
              .join(' + ') || formatMoney(0, 'EUR')}{' '}
            revenue
          </p>
          <div className="table-wrap">
            <table className="sales">
              <caption className="sr-only">Seats sold and revenue per event</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Starts</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Seats sold
                  </th>
                  <th scope="col" className="num">
                    Revenue
                  </th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.event.id} data-testid="organizer-row">
                    <th scope="row">
                      <Link to={`/events/${row.event.id}`}>{row.event.title}</Link>
                    </th>
                    <td>{formatDate(row.event.starts_at)}</td>
                    <td>
                      <StatusBadge status={row.event.status} />
                    </td>
                    <td className="num">
                      {row.seats_sold} / {row.event.capacity}
                    </td>
                    <td className="num">{formatMoney(row.revenue_cents, row.event.currency)}</td>
                    <td>
                      {row.event.status !== 'cancelled' && (
                        <div className="actions">
                          <Link to={`/organizer/events/${row.event.id}/edit`}>
                            Edit<span className="sr-only"> {row.event.title}</span>
                          </Link>
                          <Link to={`/organizer/events/${row.event.id}/tickets`}>
                            Tickets<span className="sr-only"> of {row.event.title}</span>
                          </Link>
                          <Link to={`/events/${row.event.id}/check-in`}>
                            Check-in<span className="sr-only"> for {row.event.title}</span>
                          </Link>
                          <CancelEvent
                            event={row.event}
                            onCancelled={(e) =>
                              setRows((current) => (current ?? []).map((r) => (r.event.id === e.id ? { ...r, event: e } : r)))
                            }
                          />
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
