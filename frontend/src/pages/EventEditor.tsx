import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api/client';
import type { EventCreate } from '../api/types';
import { useSession } from '../session';
import { ErrorBox, Loading, PageTitle } from '../ui';
import { fromLocalInput, toLocalInput } from '../tickets/forms';
import { CATEGORIES } from './Events';

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
  sale_starts_at: string; // '' = on sale now
  max_per_buyer: string; // '' = no limit
  waiting_room: boolean;
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
  sale_starts_at: '',
  max_per_buyer: '',
  waiting_room: false,
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
          sale_starts_at: e.sale_starts_at ? toLocalInput(e.sale_starts_at, true) : '',
          max_per_buyer: e.max_per_buyer == null ? '' : String(e.max_per_buyer),
          waiting_room: e.waiting_room ?? false,
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
      sale_starts_at: draft.sale_starts_at ? fromLocalInput(draft.sale_starts_at) : null,
      max_per_buyer: draft.max_per_buyer ? Number(draft.max_per_buyer) : null,
      waiting_room: draft.waiting_room,
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
      {id && (
        <p>
          <Link to={`/organizer/events/${id}/tickets`}>Ticket types, promo codes, attendees and check-in</Link>
        </p>
      )}
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
          <div className="row">
            {field(
              'sale_starts_at',
              'Sale opens (empty: now)',
              <input id="ev-sale_starts_at" type="datetime-local" step={1} value={draft.sale_starts_at} onChange={set('sale_starts_at')} {...a11y('sale_starts_at')} />,
            )}
            {field(
              'max_per_buyer',
              'Seats per buyer (empty: no limit)',
              <input id="ev-max_per_buyer" type="number" min={1} value={draft.max_per_buyer} onChange={set('max_per_buyer')} {...a11y('max_per_buyer')} />,
            )}
          </div>
          <div className="field field-check">
            <label htmlFor="ev-waiting_room">
              <input
                id="ev-waiting_room"
                type="checkbox"
                checked={draft.waiting_room}
                onChange={(e) => setDraft((d) => (d ? { ...d, waiting_room: e.target.checked } : d))}
                aria-describedby="ev-waiting_room-hint"
                {...a11y('waiting_room')}
              />{' '}
              Waiting room
            </label>
            <p className="hint" id="ev-waiting_room-hint">
              Buyers queue and are let in to book in turn; those who join before the sale opens are placed in a random draw.
            </p>
            {fieldError('waiting_room') && <p className="field-error">{fieldError('waiting_room')}</p>}
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
