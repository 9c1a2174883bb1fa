// The organizer's ticket types of an event: each with its price, what is left of its quota and its sales window;
// edit one in place, or add one.
import { useState } from 'react';
import { createTicketType, updateTicketType, type TicketType, type TicketedEvent } from '../api/tickets';
import { formatDate, formatMoney } from '../checkout/state';
import { useSession } from '../session';
import { typeBody, typeChanges, typeDraft } from '../tickets/forms';
import { TicketTypeForm } from './TicketTypeForm';

function salesWindow(type: TicketType): string {
  if (!type.sales_start && !type.sales_end) return 'On sale with the event';
  const from = type.sales_start ? `from ${formatDate(type.sales_start)}` : '';
  const to = type.sales_end ? `until ${formatDate(type.sales_end)}` : '';
  return [from, to].filter(Boolean).join(' ');
}

export function TicketTypesEditor({
  event,
  types,
  onTypes,
}: {
  event: TicketedEvent;
  types: TicketType[];
  onTypes: (types: TicketType[]) => void;
}) {
  const { api } = useSession();
  const [editing, setEditing] = useState<string | null>(null);
  const [added, setAdded] = useState(0); // remounts the add form empty after each type added
  const [notice, setNotice] = useState('');

  const replace = (type: TicketType) => onTypes(types.map((t) => (t.id === type.id ? type : t)));

  return (
    <section className="card stack" aria-labelledby="types-heading" data-testid="ticket-types-editor">
      <h2 id="types-heading">Ticket types</h2>
      <p className="hint">
        Capacity {event.capacity} over all types · {event.seats_available} seats left.
      </p>
      <p className="sr-only" role="status" aria-live="polite">
        {notice}
      </p>
      {types.length === 0 && <p>No ticket types yet.</p>}
      <ul className="type-list">
        {types.map((type) => (
          <li key={type.id} className="type-item" data-testid="ticket-type-row" data-type-id={type.id}>
            {editing === type.id ? (
              <TicketTypeForm
                initial={typeDraft(type)}
                idPrefix={`type-${type.id}`}
                title={`Edit ${type.name}`}
                submitLabel="Save type"
                onCancel={() => setEditing(null)}
                onSubmit={async (draft) => {
                  const changes = typeChanges(type, draft);
                  const saved = Object.keys(changes).length ? await updateTicketType(api, event.id, type.id, changes) : type;
                  replace(saved);
                  setEditing(null);
                  setNotice(`${saved.name} saved.`);
                }}
              />
            ) : (
              <div className="type-summary">
                <div>
                  <h3>{type.name}</h3>
                  <p className="meta">
                    {type.price_cents === 0 ? 'Free' : formatMoney(type.price_cents, event.currency)} ·{' '}
                    <span data-testid="type-available">
                      {type.available} available / {type.quota} quota
                    </span>
                    {type.max_per_order != null && ` · at most ${type.max_per_order} per order`}
                  </p>
                  <p className="hint">{salesWindow(type)}</p>
                </div>
                <button type="button" className="secondary" onClick={() => setEditing(type.id)}>
                  Edit<span className="sr-only"> {type.name}</span>
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      <TicketTypeForm
        key={added}
        initial={typeDraft(null)}
        idPrefix="new-type"
        title="Add a ticket type"
        submitLabel="Add type"
        onSubmit={async (draft) => {
          const created = await createTicketType(api, event.id, typeBody(draft));
          onTypes([...types, created]);
          setAdded((n) => n + 1);
          setNotice(`${created.name} added.`);
        }}
      >
        <h3>Add a ticket type</h3>
      </TicketTypeForm>
    </section>
  );
}
