import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { Event, EventFilters } from '../api/types';
import { formatDate, formatMoney } from '../checkout/state';
import { useSession } from '../session';
import { ErrorBox, Loading, PageTitle } from '../ui';

export const CATEGORIES = ['music', 'sports', 'conference', 'theatre', 'comedy', 'exhibition', 'festival'];
const FILTERS = ['q', 'category', 'venue', 'from', 'to'] as const;

/** `2030-05-01` (a date input) → the start of that day in UTC, or the end of it for the upper bound. */
function dayBound(day: string | null, end: boolean): string | undefined {
  if (!day) return undefined;
  return `${day}T${end ? '23:59:59' : '00:00:00'}Z`;
}

export function seatsLeft(event: Event): string {
  if (event.seats_available <= 0) return 'Sold out';
  return `${event.seats_available} seat${event.seats_available === 1 ? '' : 's'} left`;
}

export function EventsPage() {
  const { api } = useSession();
  const [params, setParams] = useSearchParams();
  const [events, setEvents] = useState<Event[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const key = params.toString();

  const filters = (): EventFilters => ({
    q: params.get('q') || undefined,
    category: params.get('category') || undefined,
    venue: params.get('venue') || undefined,
    starts_after: dayBound(params.get('from'), false),
    starts_before: dayBound(params.get('to'), true),
    limit: 20,
  });

  useEffect(() => {
    let live = true;
    setEvents(null);
    setError(null);
    api.listEvents(filters()).then(
      (page) => {
        if (!live) return;
        setEvents(page.items);
        setCursor(page.next_cursor);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key]);

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api.listEvents({ ...filters(), cursor });
      setEvents((current) => [...(current ?? []), ...page.items]);
      setCursor(page.next_cursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoadingMore(false);
    }
  };

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const value = String(data.get(name) ?? '').trim();
      if (value) next.set(name, value);
    }
    setParams(next);
  };

  const filtered = FILTERS.some((name) => params.get(name));
  return (
    <>
      <PageTitle title="Events">Upcoming events</PageTitle>
      <form className="filters" role="search" aria-label="Find events" onSubmit={onSubmit} key={key}>
        <div className="field field-wide">
          <label htmlFor="f-q">Search</label>
          <input id="f-q" name="q" type="search" defaultValue={params.get('q') ?? ''} placeholder="Title, artist, description" />
        </div>
        <div className="field">
          <label htmlFor="f-category">Category</label>
          <select id="f-category" name="category" defaultValue={params.get('category') ?? ''}>
            <option value="">Any</option>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-venue">Venue</label>
          <input id="f-venue" name="venue" defaultValue={params.get('venue') ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="f-from">From</label>
          <input id="f-from" name="from" type="date" defaultValue={params.get('from') ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="f-to">To</label>
          <input id="f-to" name="to" type="date" defaultValue={params.get('to') ?? ''} />
        </div>
        <div className="actions">
          <button type="submit">Search</button>
          {filtered && (
            <button type="button" className="secondary" onClick={() => setParams(new URLSearchParams())}>
              Clear
            </button>
          )}
        </div>
      </form>
      <ErrorBox error={error} />
      {events === null && !error && <Loading what="Loading events" />}
      {events && (
        <p className="muted" role="status" aria-live="polite">
          {events.length === 0 ? 'No events match.' : `${events.length}${cursor ? '+' : ''} event${events.length === 1 ? '' : 's'}`}
        </p>
      )}
      {events && events.length > 0 && (
        <ul className="event-grid" aria-label="Events">
          {events.map((event) => (
            <li key={event.id} className="card event-card" data-testid="event-card">
              <h2>
                <Link to={`/events/${event.id}`}>{event.title}</Link>
              </h2>
              <p className="meta">
                <span className="badge">{event.category}</span> <time dateTime={event.starts_at}>{formatDate(event.starts_at)}</time>
              </p>
              <p className="meta">{event.venue}</p>
              <p className="price-line">
                <span>{event.price_cents === 0 ? 'Free' : formatMoney(event.price_cents, event.currency)}</span>
                <span className={event.seats_available > 0 ? 'seats' : 'seats seats-none'} data-testid="seats-left">
                  {seatsLeft(event)}
                </span>
              </p>
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <p>
          <button type="button" className="secondary" onClick={loadMore} disabled={loadingMore}>
            {loadingMore ? 'Loading…' : 'More events'}
          </button>
        </p>
      )}
    </>
  );
}
