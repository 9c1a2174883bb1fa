// The hold form's logic, kept out of React so it can be tested: what is on sale, how many of each type fit in one
// order, the lines and attendees of the hold's body, the totals, and which field an error of the hold belongs to.
import { ApiError } from '../api/errors';
import type { AttendeeInput, HoldBody, LineRequest, PromoCode, TicketType, TicketedEvent } from '../api/tickets';

/** The platform's per-order maximum (shared/API.md "Bookings"). */
export const MAX_PER_ORDER = 10;

/** Seats wanted per ticket type id. */
export type Quantities = Record<string, number>;

export type SaleState = 'on_sale' | 'not_yet' | 'ended' | 'sold_out';

type EventLimits = Pick<TicketedEvent, 'seats_available' | 'max_per_buyer'>;

export function saleState(type: TicketType, now: number = Date.now()): SaleState {
  if (type.sales_start && Date.parse(type.sales_start) > now) return 'not_yet';
  if (type.sales_end && Date.parse(type.sales_end) <= now) return 'ended';
  return type.available > 0 ? 'on_sale' : 'sold_out';
}

/** The most seats one order may ask for over all types: the per-order maximum, the seats left, the per-buyer limit. */
export function orderMax(event: EventLimits): number {
  return Math.max(1, Math.min(MAX_PER_ORDER, event.seats_available, event.max_per_buyer ?? MAX_PER_ORDER));
}

export function seatCount(quantities: Quantities): number {
  return Object.values(quantities).reduce((sum, n) => sum + Math.max(0, n), 0);
}

/** How many of this type the order can have, given what the other types already take of the order's maximum. */
export function typeMax(type: TicketType, quantities: Quantities, event: EventLimits, now: number = Date.now()): number {
  if (saleState(type, now) !== 'on_sale') return 0;
  const others = seatCount(quantities) - Math.max(0, quantities[type.id] ?? 0);
  return Math.max(0, Math.min(type.available, type.max_per_order ?? MAX_PER_ORDER, orderMax(event) - others));
}

/** The quantities with one type set to `wanted`, kept between 0 and what fits. */
export function withQuantity(
  quantities: Quantities,
  type: TicketType,
  wanted: number,
  event: EventLimits,
  now: number = Date.now(),
): Quantities {
  const n = Number.isFinite(wanted) ? Math.round(wanted) : 0;
  return { ...quantities, [type.id]: Math.max(0, Math.min(typeMax(type, quantities, event, now), n)) };
}

/** The form's first quantities: one seat of a lone type on sale (the simple form of old), else nothing chosen. */
export function initialQuantities(types: TicketType[], now: number = Date.now()): Quantities {
  const onSale = types.filter((t) => saleState(t, now) === 'on_sale');
  return types.length === 1 && onSale.length === 1 ? { [onSale[0].id]: 1 } : {};
}

/** The hold's lines, in the event's order of types, for the types with at least one seat. */
export function holdLines(types: TicketType[], quantities: Quantities): LineRequest[] {
  return types
    .filter((t) => (quantities[t.id] ?? 0) > 0)
    .map((t) => ({ ticket_type_id: t.id, quantity: quantities[t.id] }));
}

export function subtotalCents(types: TicketType[], quantities: Quantities): number {
  return types.reduce((sum, t) => sum + t.price_cents * Math.max(0, quantities[t.id] ?? 0), 0);
}

/** One seat of the order: the attendee fields of seat `number` of a type. Keys survive changes to other types. */
export interface Seat {
  key: string;
  index: number;
  ticket_type_id: string;
  type_name: string;
  number: number;
}

/** Every seat of the lines in line order: seat i is attendee i of the hold's body. */
export function seatsOf(lines: Array<Pick<LineRequest, 'ticket_type_id' | 'quantity'> & { name?: string }>, types: TicketType[] = []): Seat[] {
  const seats: Seat[] = [];
  for (const line of lines) {
    const name = line.name ?? types.find((t) => t.id === line.ticket_type_id)?.name ?? 'Seat';
    for (let n = 1; n <= line.quantity; n += 1) {
      seats.push({ key: `${line.ticket_type_id}#${n}`, index: seats.length, ticket_type_id: line.ticket_type_id, type_name: name, number: n });
    }
  }
  return seats;
}

/** What the buyer typed for a seat; both blank means the buyer sits there. */
export type AttendeeEntries = Record<string, { name: string; email: string }>;

/** The attendee of each seat, in order; blanks left to the buyer, trailing blanks dropped, nothing when all blank. */
export function attendeesBody(seats: Seat[], entries: AttendeeEntries): AttendeeInput[] | undefined {
  const list = seats.map((seat): AttendeeInput => {
    const name = (entries[seat.key]?.name ?? '').trim();
    const email = (entries[seat.key]?.email ?? '').trim();
    return name ? (email ? { name, email } : { name }) : {};
  });
  while (list.length && !list[list.length - 1].name) list.pop();
  return list.length ? list : undefined;
}

/** The form's entries of a booking's seats, from its attendees (seat i is attendee i; none or a null name: the buyer). */
export function attendeeEntries(seats: Seat[], attendees: Array<{ name: string | null; email: string | null }>): AttendeeEntries {
  return Object.fromEntries(
    seats.map((seat) => [seat.key, { name: attendees[seat.index]?.name ?? '', email: attendees[seat.index]?.email ?? '' }]),
  );
}

/** The body of an attendee edit: exactly one entry per seat (a blank name keeps that seat's attendee). */
export function editedAttendees(seats: Seat[], entries: AttendeeEntries): AttendeeInput[] {
  return seats.map((seat) => {
    const name = (entries[seat.key]?.name ?? '').trim();
    const email = (entries[seat.key]?.email ?? '').trim();
    return name ? (email ? { name, email } : { name }) : {};
  });
}

/** Seats with an e-mail but no name: the e-mail would be dropped (a blank name is the buyer). */
export function seatsMissingName(seats: Seat[], entries: AttendeeEntries): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const seat of seats) {
    const entry = entries[seat.key];
    if (entry && entry.email.trim() && !entry.name.trim()) problems[seat.key] = 'Add the name of the person with this e-mail.';
  }
  return problems;
}

/** The whole body of the hold. */
export function holdBody(
  eventId: string,
  types: TicketType[],
  quantities: Quantities,
  promoCode: string,
  entries: AttendeeEntries,
): HoldBody {
  const lines = holdLines(types, quantities);
  const body: HoldBody = { event_id: eventId, lines };
  const code = promoCode.trim();
  if (code) body.promo_code = code;
  const attendees = attendeesBody(seatsOf(lines, types), entries);
  if (attendees) body.attendees = attendees;
  return body;
}

/**
 * What a promo code takes off these lines, as the platform computes it: on the subtotal of the lines it applies
 * to, a percent rounded half up once, an amount never more than that subtotal.
 */
export function discountCents(
  promo: Pick<PromoCode, 'percent_off' | 'amount_off_cents' | 'ticket_type_ids'>,
  lines: Array<{ ticket_type_id: string; quantity: number; unit_price_cents: number }>,
): number {
  const applies = (id: string) => promo.ticket_type_ids === null || promo.ticket_type_ids.includes(id);
  const scoped = lines.filter((l) => applies(l.ticket_type_id)).reduce((sum, l) => sum + l.quantity * l.unit_price_cents, 0);
  if (promo.percent_off !== null) return Math.min(scoped, Math.floor((scoped * promo.percent_off + 50) / 100));
  return Math.min(scoped, promo.amount_off_cents ?? 0);
}

export const PROMO_REASONS: Record<string, string> = {
  unknown: 'There is no such code for this event.',
  expired: 'This code has expired.',
  used_up: 'This code has been used as often as it may be.',
  not_applicable: 'This code is not valid for the tickets you chose.',
};

/** The sentence for a `promo_code_invalid` error, by `details.reason`. */
export function promoProblem(error: ApiError): string {
  const reason = error.details.reason;
  return (typeof reason === 'string' && PROMO_REASONS[reason]) || error.message || 'This code cannot be used.';
}

/** The hold's errors placed at their fields: per ticket type, the promo code, per seat (by key), the lines at large. */
export interface HoldProblems {
  byType: Record<string, string>;
  promo: string | null;
  bySeat: Record<string, string>;
  attendees: string | null;
}

export function holdProblems(error: unknown, seats: Seat[]): HoldProblems {
  const problems: HoldProblems = { byType: {}, promo: null, bySeat: {}, attendees: null };
  if (!(error instanceof ApiError)) return problems;
  const typeId = error.details.ticket_type_id;
  const available = error.details.available;
  if (typeof typeId === 'string') {
    if (error.code === 'sold_out') {
      problems.byType[typeId] = available === 0 || typeof available !== 'number' ? 'Sold out.' : `Only ${available} left: choose fewer.`;
    } else if (error.code === 'event_not_on_sale') {
      problems.byType[typeId] = 'Not on sale now.';
    } else if (error.code === 'validation_error') {
      problems.byType[typeId] = typeof available === 'number' ? `At most ${available} in one order.` : error.fields.lines ?? error.message;
    }
  }
  if (error.code === 'promo_code_invalid') problems.promo = promoProblem(error);
  for (const [field, why] of Object.entries(error.fields)) {
    const seat = /^attendees\[(\d+)\]\.(name|email)$/.exec(field);
    if (seat) {
      const key = seats[Number(seat[1])]?.key;
      if (key) problems.bySeat[key] = `${seat[2] === 'name' ? 'Name' : 'E-mail'}: ${why}`;
    } else if (field === 'attendees') {
      problems.attendees = why;
    } else if (field === 'promo_code') {
      problems.promo = why;
    }
  }
  return problems;
}
