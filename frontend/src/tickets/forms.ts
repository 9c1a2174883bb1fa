// The organizer's ticket type and promo code forms: what the inputs hold, and the request bodies made from them.
import type { PromoCode, PromoCodeInput, TicketType, TicketTypeInput } from '../api/tickets';
import { formatMoney } from '../checkout/state';

/** `2030-05-01T19:00` (a datetime-local input, the browser's zone) from ISO-8601; seconds when asked. */
export function toLocalInput(iso: string, seconds = false): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  const minute = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return seconds ? `${minute}:${pad(d.getSeconds())}` : minute;
}

/** A datetime-local value (the browser's zone) as ISO-8601 UTC. */
export function fromLocalInput(value: string): string {
  return new Date(value).toISOString();
}

/** `12.50` → 1250; NaN for what is not an amount. */
export function centsOf(value: string): number {
  const text = value.trim().replace(',', '.');
  return /^\d+(\.\d{0,2})?$/.test(text) ? Math.round(Number(text) * 100) : Number.NaN;
}

export interface TicketTypeDraft {
  name: string;
  price: string;
  quota: string;
  sales_start: string; // '' = whenever the event is on sale
  sales_end: string; // '' = until the event ends
  max_per_order: string; // '' = no limit of its own
}

export function typeDraft(type?: TicketType | null): TicketTypeDraft {
  if (!type) return { name: '', price: '', quota: '', sales_start: '', sales_end: '', max_per_order: '' };
  return {
    name: type.name,
    price: (type.price_cents / 100).toFixed(2),
    quota: String(type.quota),
    sales_start: type.sales_start ? toLocalInput(type.sales_start) : '',
    sales_end: type.sales_end ? toLocalInput(type.sales_end) : '',
    max_per_order: type.max_per_order == null ? '' : String(type.max_per_order),
  };
}

const whole = (value: string) => (value.trim() === '' ? Number.NaN : Number(value));

/** The POST body of a new type; a number that is not one goes as NaN (null in JSON), for the server to refuse. */
export function typeBody(draft: TicketTypeDraft): TicketTypeInput {
  return {
    name: draft.name.trim(),
    price_cents: centsOf(draft.price),
    quota: whole(draft.quota),
    sales_start: draft.sales_start ? fromLocalInput(draft.sales_start) : null,
    sales_end: draft.sales_end ? fromLocalInput(draft.sales_end) : null,
    max_per_order: draft.max_per_order.trim() ? whole(draft.max_per_order) : null,
  };
}

/** The PATCH body: only the fields that differ from the type as it is (a cleared date or limit is sent as null). */
export function typeChanges(original: TicketType, draft: TicketTypeDraft): Partial<TicketTypeInput> {
  const next = typeBody(draft);
  const before = typeBody(typeDraft(original));
  const changes: Partial<TicketTypeInput> = {};
  for (const key of Object.keys(next) as Array<keyof TicketTypeInput>) {
    if (next[key] !== before[key]) (changes as Record<string, unknown>)[key] = next[key];
  }
  return changes;
}

export interface PromoDraft {
  code: string;
  kind: 'percent' | 'amount';
  value: string;
  max_uses: string; // '' = unlimited
  valid_until: string; // '' = no expiry
  /** Ticket type ids; none ticked = every type. */
  scope: string[];
}

export const EMPTY_PROMO: PromoDraft = { code: '', kind: 'percent', value: '', max_uses: '', valid_until: '', scope: [] };

export function promoBody(draft: PromoDraft): PromoCodeInput {
  const body: PromoCodeInput = { code: draft.code.trim() };
  if (draft.kind === 'percent') body.percent_off = whole(draft.value);
  else body.amount_off_cents = centsOf(draft.value);
  if (draft.max_uses.trim()) body.max_uses = whole(draft.max_uses);
  if (draft.valid_until) body.valid_until = fromLocalInput(draft.valid_until);
  if (draft.scope.length) body.ticket_type_ids = [...draft.scope];
  return body;
}

/** The code's values as the discount functions take them (null where the draft has no valid number yet). */
export function promoOfDraft(draft: PromoDraft): Pick<PromoCode, 'percent_off' | 'amount_off_cents' | 'ticket_type_ids'> | null {
  const n = draft.kind === 'percent' ? whole(draft.value) : centsOf(draft.value);
  if (!Number.isFinite(n) || n <= 0) return null;
  return {
    percent_off: draft.kind === 'percent' ? Math.min(100, n) : null,
    amount_off_cents: draft.kind === 'amount' ? n : null,
    ticket_type_ids: draft.scope.length ? draft.scope : null,
  };
}

/** `20 % off` or `€5.00 off`. */
export function describeDiscount(promo: Pick<PromoCode, 'percent_off' | 'amount_off_cents'>, currency: string): string {
  if (promo.percent_off !== null) return `${promo.percent_off} % off`;
  return `${formatMoney(promo.amount_off_cents ?? 0, currency)} off`;
}

/** `All types`, or the names of the types the code is for. */
export function describeScope(ids: string[] | null, types: TicketType[]): string {
  if (!ids || ids.length === 0) return 'All types';
  // In the event's order of types (the API lists the ids in no particular order).
  const named = types.filter((t) => ids.includes(t.id)).map((t) => t.name);
  const removed = ids.filter((id) => !types.some((t) => t.id === id)).map(() => 'a removed type');
  return [...named, ...removed].join(', ');
}

/** `3 / 10 used`, `3 used (no limit)`. */
export function describeUses(promo: Pick<PromoCode, 'uses' | 'max_uses'>): string {
  return promo.max_uses === null ? `${promo.uses} used (no limit)` : `${promo.uses} / ${promo.max_uses} used`;
}
