// The organizer's tickets of one event: its ticket types, promo codes, attendee lists, check-in staff and page.
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { TicketType, TicketedEvent } from '../api/tickets';
import { formatDate } from '../checkout/state';
import { useSession } from '../session';
import { ErrorBox, Loading, PageTitle } from '../ui';
import { AttendeesAndStaff } from './AttendeesAndStaff';
import { PromoCodesEditor } from './PromoCodesEditor';
import { TicketTypesEditor } from './TicketTypesEditor';

export function OrganizerTicketsPage() {
  const { id = '' } = useParams();
  const { api } = useSession();
  const [event, setEvent] = useState<TicketedEvent | null>(null);
  const [types, setTypes] = useState<TicketType[]>([]);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api.getEvent(id).then((e: TicketedEvent) => {
      setEvent(e);
      setTypes(e.ticket_types ?? []);
    }, setError);
  }, [api, id]);

  const title = event ? `Tickets: ${event.title}` : 'Tickets';
  return (
    <div className="organizer-tickets">
      <p className="breadcrumb">
        <Link to="/organizer">← Your events</Link>
      </p>
      <PageTitle title={title}>{title}</PageTitle>
      <ErrorBox error={error} />
      {!event && !error && <Loading />}
      {event && (
        <>
          <p className="meta">
            {formatDate(event.starts_at)} · {event.venue} ·{' '}
            <Link to={`/organizer/events/${event.id}/edit`}>Edit the event</Link> · <Link to={`/events/${event.id}`}>Public page</Link>
          </p>
          <div className="organizer-grid">
            <TicketTypesEditor event={event} types={types} onTypes={setTypes} />
            <PromoCodesEditor eventId={event.id} types={types} currency={event.currency} />
            <AttendeesAndStaff eventId={event.id} />
          </div>
        </>
      )}
    </div>
  );
}
