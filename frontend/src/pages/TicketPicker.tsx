// The hold form's quantities: one "Seats" stepper for an event with a single ticket type (as before types existed),
// else one stepper per type with its price and what is left; types not on sale or sold out are disabled.
import type { TicketType, TicketedEvent } from '../api/tickets';
import { formatDate, formatMoney } from '../checkout/state';
import { saleState, typeMax, withQuantity, type Quantities } from '../tickets/order';

function Stepper({
  id,
  value,
  min = 0,
  max,
  disabled = false,
  fewer,
  more,
  describedBy,
  invalid,
  onChange,
}: {
  id: string;
  value: number;
  min?: number;
  max: number;
  disabled?: boolean;
  fewer: string;
  more: string;
  describedBy: string;
  invalid: boolean;
  onChange: (n: number) => void;
}) {
  return (
    <div className="stepper">
      <button type="button" className="secondary" aria-label={fewer} onClick={() => onChange(value - 1)} disabled={disabled || value <= min}>
        −
      </button>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(Number(e.target.value))}
        aria-describedby={describedBy}
        aria-invalid={invalid || undefined}
      />
      <button type="button" className="secondary" aria-label={more} onClick={() => onChange(value + 1)} disabled={disabled || value >= max}>
        +
      </button>
    </div>
  );
}

function availability(type: TicketType, now: number): string {
  switch (saleState(type, now)) {
    case 'not_yet':
      return `On sale from ${formatDate(type.sales_start ?? '')}`;
    case 'ended':
      return 'Sales have ended';
    case 'sold_out':
      return 'Sold out';
    default:
      return `${type.available} left${type.max_per_order != null ? ` · at most ${type.max_per_order} per order` : ''}`;
  }
}

export function TicketPicker({
  event,
  types,
  quantities,
  onChange,
  problems,
  orderLimit,
  now,
}: {
  event: TicketedEvent;
  types: TicketType[];
  quantities: Quantities;
  onChange: (q: Quantities) => void;
  /** An error of the last hold, per type id. */
  problems: Record<string, string>;
  orderLimit: number;
  now: number;
}) {
  const set = (type: TicketType, n: number) => onChange(withQuantity(quantities, type, n, event, now));

  if (types.length === 1) {
    const [type] = types;
    const value = quantities[type.id] ?? 0;
    const problem = problems[type.id];
    return (
      <div className="field">
        <label htmlFor="quantity">Seats</label>
        <Stepper
          id="quantity"
          value={value}
          min={1}
          max={typeMax(type, quantities, event, now)}
          fewer="One seat fewer"
          more="One seat more"
          describedBy={problem ? 'quantity-error quantity-hint' : 'quantity-hint'}
          invalid={!!problem}
          onChange={(n) => set(type, Math.max(1, n))}
        />
        {problem && (
          <p className="field-error" id="quantity-error" data-testid="type-error">
            {problem}
          </p>
        )}
        <p id="quantity-hint" className="hint">
          Up to {orderLimit} per order{event.max_per_buyer != null ? ` (${event.max_per_buyer} per buyer)` : ''}.
        </p>
      </div>
    );
  }

  return (
    <fieldset className="ticket-types">
      <legend>Tickets</legend>
      <p className="hint" id="types-hint">
        Up to {orderLimit} seats per order{event.max_per_buyer != null ? ` (${event.max_per_buyer} per buyer)` : ''}.
      </p>
      <ul>
        {types.map((type) => {
          const state = saleState(type, now);
          const id = `qty-${type.id}`;
          const problem = problems[type.id];
          return (
            <li key={type.id} className="ticket-type" data-testid="ticket-type" data-type-id={type.id} data-state={state}>
              <div className="ticket-type-name">
                <label htmlFor={id}>{type.name}</label>
                <span className="price">{type.price_cents === 0 ? 'Free' : formatMoney(type.price_cents, event.currency)}</span>
                <span className={state === 'on_sale' ? 'hint' : 'hint seats-none'} id={`${id}-hint`}>
                  {availability(type, now)}
                </span>
              </div>
              <Stepper
                id={id}
                value={quantities[type.id] ?? 0}
                max={typeMax(type, quantities, event, now)}
                disabled={state !== 'on_sale'}
                fewer={`One ${type.name} fewer`}
                more={`One ${type.name} more`}
                describedBy={problem ? `${id}-error ${id}-hint` : `${id}-hint`}
                invalid={!!problem}
                onChange={(n) => set(type, n)}
              />
              {problem && (
                <p className="field-error" id={`${id}-error`} data-testid="type-error">
                  {problem}
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}
