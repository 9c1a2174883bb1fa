// The form of one ticket type (adding one, or editing it in place): name, price, quota, sales window, per-order limit;
// the API's 422 fields and a 409 `capacity_below_sold` are shown next to their inputs.
import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { type TicketTypeDraft } from '../tickets/forms';
import { ErrorBox } from '../ui';

/** Which input an API field's error belongs to. */
const INPUT_OF: Record<string, keyof TicketTypeDraft> = {
  name: 'name',
  price_cents: 'price',
  quota: 'quota',
  sales_start: 'sales_start',
  sales_end: 'sales_end',
  max_per_order: 'max_per_order',
};

function fieldErrors(error: unknown): Partial<Record<keyof TicketTypeDraft, string>> {
  if (!(error instanceof ApiError)) return {};
  if (error.code === 'capacity_below_sold') {
    const taken = error.details.seats_taken;
    return { quota: typeof taken === 'number' ? `${taken} seats are already sold or held: at least ${taken}.` : error.message };
  }
  const found: Partial<Record<keyof TicketTypeDraft, string>> = {};
  for (const [field, why] of Object.entries(error.fields)) if (INPUT_OF[field]) found[INPUT_OF[field]] = why;
  return found;
}

export function TicketTypeForm({
  initial,
  idPrefix,
  title,
  submitLabel,
  onSubmit,
  onCancel,
  children,
}: {
  initial: TicketTypeDraft;
  idPrefix: string;
  /** The form's accessible name. */
  title: string;
  submitLabel: string;
  /** Saves the draft; throws the API's error, which the form shows. */
  onSubmit: (draft: TicketTypeDraft) => Promise<void>;
  onCancel?: () => void;
  children?: ReactNode;
}) {
  const [draft, setDraft] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const errors = fieldErrors(error);
  const set = (name: keyof TicketTypeDraft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [name]: e.target.value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit(draft);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const id = (name: keyof TicketTypeDraft) => `${idPrefix}-${name}`;
  const a11y = (name: keyof TicketTypeDraft, hint = false) => {
    const described = [errors[name] ? `${id(name)}-error` : '', hint ? `${id(name)}-hint` : ''].filter(Boolean).join(' ');
    return { id: id(name), 'aria-invalid': errors[name] ? true : undefined, 'aria-describedby': described || undefined };
  };
  const field = (name: keyof TicketTypeDraft, label: string, input: ReactNode, hint?: string) => (
    <div className="field">
      <label htmlFor={id(name)}>{label}</label>
      {input}
      {hint && (
        <p className="hint" id={`${id(name)}-hint`}>
          {hint}
        </p>
      )}
      {errors[name] && (
        <p className="field-error" id={`${id(name)}-error`}>
          {errors[name]}
        </p>
      )}
    </div>
  );

  return (
    <form className="stack type-form" onSubmit={submit} aria-label={title} data-testid="ticket-type-form">
      {children}
      <ErrorBox error={error} focus />
      {field('name', 'Name', <input required maxLength={200} value={draft.name} onChange={set('name')} {...a11y('name')} />)}
      <div className="row">
        {field('price', 'Price', <input type="number" min={0} step="0.01" required value={draft.price} onChange={set('price')} {...a11y('price')} />)}
        {field(
          'quota',
          'Quota',
          <input type="number" min={0} required value={draft.quota} onChange={set('quota')} {...a11y('quota', true)} />,
          'Seats of this type; the event’s capacity limits all types together.',
        )}
      </div>
      <div className="row">
        {field(
          'sales_start',
          'Sales start (empty: with the event)',
          <input type="datetime-local" value={draft.sales_start} onChange={set('sales_start')} {...a11y('sales_start')} />,
        )}
        {field(
          'sales_end',
          'Sales end (empty: until the event)',
          <input type="datetime-local" value={draft.sales_end} onChange={set('sales_end')} {...a11y('sales_end')} />,
        )}
      </div>
      {field(
        'max_per_order',
        'Max per order (empty: no limit)',
        <input type="number" min={1} value={draft.max_per_order} onChange={set('max_per_order')} {...a11y('max_per_order')} />,
      )}
      <p className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        )}
      </p>
    </form>
  );
}
