import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api/client';
import type { Event, EventCreate, OrganizerEvent } from '../api/types';
import { formatDate, formatMoney } from '../checkout/state';
import { useSession } from '../session';
import { ErrorBox, Loading, PageTitle, StatusBadge } from '../ui';
import { CATEGORIES } from './Events';

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

/** `2030-05-01T19:00` (a datetime-local input, the browser's zone) ↔ ISO-8601 UTC. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function fromLocalInput(value: string): string {
  return new Date(value).toISOString();
}

interface Draft {
  title: string;
  description: string;
  category: string;
  venue: string;
  starts_at: string;
  ends_at: string;
  capacity: string;
  price: string;
  currency: string;
  status: 'draft' | 'published';
}

const inAMonth = () => {
  const d = new Date(Date.now() + 30 * 86_400_000);
  d.setHours(19, 0, 0, 0);
  return d;
};

const EMPTY: Draft = {
  title: '',
  description: '',
  category: 'music',
  venue: '',
  starts_at: toLocalInput(inAMonth().toISOString()),
  ends_at: toLocalInput(new Date(inAMonth().getTime() + 3 * 3_600_000).toISOString()),
  capacity: '100',
  price: '25.00',
  currency: 'EUR',
  status: 'published',
};

export function EventEditorPage() {
  const { id } = useParams();
  const { api } = useSession();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Draft | null>(id ? null : EMPTY);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!id) return;
    api.getEvent(id).then(
      (e) =>
        setDraft({
          title: e.title,
          description: e.description,
          category: e.category,
          venue: e.venue,
          starts_at: toLocalInput(e.starts_at),
          ends_at: toLocalInput(e.ends_at),
          capacity: String(e.capacity),
          price: (e.price_cents / 100).toFixed(2),
          currency: e.currency,
          status: e.status === 'draft' ? 'draft' : 'published',
        }),
      setError,
    );
  }, [api, id]);

  const fields = error instanceof ApiError ? error.fields : {};
  const fieldError = (name: string) => fields[name];
  const set = (name: keyof Draft) => (e: { target: { value: string } }) =>
    setDraft((d) => (d ? { ...d, [name]: e.target.value } : d));

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    const body: EventCreate = {
      title: draft.title.trim(),
      description: draft.description.trim(),
      category: draft.category.trim(),
      venue: draft.venue.trim(),
      starts_at: fromLocalInput(draft.starts_at),
      ends_at: fromLocalInput(draft.ends_at),
      capacity: Number(draft.capacity),
      price_cents: Math.round(Number(draft.price) * 100),
      currency: draft.currency.trim().toUpperCase(),
      status: draft.status,
    };
    setBusy(true);
    setError(null);
    try {
      if (id) await api.updateEvent(id, body);
      else await api.createEvent(body);
      navigate('/organizer');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const title = id ? 'Edit event' : 'New event';
  const field = (name: keyof Draft, label: string, input: ReactNode, apiName: string = name) => (
    <div className="field">
      <label htmlFor={`ev-${name}`}>{label}</label>
      {input}
      {fieldError(apiName) && (
        <p className="field-error" id={`ev-${name}-error`}>
          {fieldError(apiName)}
        </p>
      )}
    </div>
  );
  const a11y = (name: keyof Draft, apiName: string = name) =>
    fieldError(apiName) ? { 'aria-invalid': true, 'aria-describedby': `ev-${name}-error` } : {};

  return (
    <div className="narrow">
      <p className="breadcrumb">
        <Link to="/organizer">← Your events</Link>
      </p>
      <PageTitle title={title}>{title}</PageTitle>
      <ErrorBox error={error} focus />
      {!draft && !error && <Loading />}
      {draft && (
        <form className="card stack" onSubmit={onSubmit} aria-label={title}>
          {field('title', 'Title', <input id="ev-title" required maxLength={200} value={draft.title} onChange={set('title')} {...a11y('title')} />)}
          {field(
            'description',
            'Description',
            <textarea id="ev-description" rows={4} value={draft.description} onChange={set('description')} {...a11y('description')} />,
          )}
          <div className="row">
            {field(
              'category',
              'Category',
              <>
                <input id="ev-category" list="categories" required value={draft.category} onChange={set('category')} {...a11y('category')} />
                <datalist id="categories">
                  {CATEGORIES.map((c) => (
                    <option key={c} value={c} />
                  ))}
                </datalist>
              </>,
            )}
            {field('venue', 'Venue', <input id="ev-venue" required value={draft.venue} onChange={set('venue')} {...a11y('venue')} />)}
          </div>
          <div className="row">
            {field(
              'starts_at',
              'Starts',
              <input id="ev-starts_at" type="datetime-local" required value={draft.starts_at} onChange={set('starts_at')} {...a11y('starts_at')} />,
            )}
            {field(
              'ends_at',
              'Ends',
              <input id="ev-ends_at" type="datetime-local" required value={draft.ends_at} onChange={set('ends_at')} {...a11y('ends_at')} />,
            )}
          </div>
          <div className="row">
            {field(
              'capacity',
              'Capacity',
              <input id="ev-capacity" type="number" min={1} required value={draft.capacity} onChange={set('capacity')} {...a11y('capacity')} />,
            )}
            {field(
              'price',
              'Price per seat',
              <input id="ev-price" type="number" min={0} step="0.01" required value={draft.price} onChange={set('price')} {...a11y('price', 'price_cents')} />,
              'price_cents',
            )}
            {field(
              'currency',
              'Currency',
              <input id="ev-currency" required pattern="[A-Za-z]{3}" maxLength={3} value={draft.currency} onChange={set('currency')} {...a11y('currency')} />,
            )}
          </div>
          {field(
            'status',
            'Status',
            <select id="ev-status" value={draft.status} onChange={set('status')}>
              <option value="published">Published</option>
              <option value="draft">Draft (only you can see it)</option>
            </select>,
          )}
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : id ? 'Save changes' : 'Create event'}
          </button>
        </form>
      )}
    </div>
  );
}
