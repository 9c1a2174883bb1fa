import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import type { TicketType } from '../api/tickets';
import {
  attendeeEntries,
  attendeesBody,
  discountCents,
  editedAttendees,
  holdBody,
  holdLines,
  holdProblems,
  initialQuantities,
  orderMax,
  saleState,
  seatsMissingName,
  seatsOf,
  subtotalCents,
  typeMax,
  withQuantity,
} from './order';

const NOW = Date.parse('2030-01-01T12:00:00Z');
const type = (id: string, over: Partial<TicketType> = {}): TicketType => ({
  id,
  name: id.toUpperCase(),
  price_cents: 1000,
  quota: 50,
  available: 50,
  sales_start: null,
  sales_end: null,
  max_per_order: null,
  ...over,
});
const ga = type('ga', { name: 'General', price_cents: 2500 });
const vip = type('vip', { name: 'VIP', price_cents: 6000, available: 3, max_per_order: 2 });
const event = { seats_available: 40, max_per_buyer: null };

describe('what is on sale', () => {
  it('tells a type not yet on sale, ended, sold out or on sale', () => {
    expect(saleState(type('a', { sales_start: '2030-01-02T00:00:00Z' }), NOW)).toBe('not_yet');
    expect(saleState(type('a', { sales_end: '2030-01-01T12:00:00Z' }), NOW)).toBe('ended'); // the end is exclusive
    expect(saleState(type('a', { available: 0 }), NOW)).toBe('sold_out');
    expect(saleState(type('a', { sales_start: '2029-12-31T00:00:00Z', sales_end: '2030-02-01T00:00:00Z' }), NOW)).toBe('on_sale');
  });

  it('caps an order at the per-order maximum, the seats left and the per-buyer limit', () => {
    expect(orderMax({ seats_available: 40, max_per_buyer: null })).toBe(10);
    expect(orderMax({ seats_available: 3, max_per_buyer: null })).toBe(3);
    expect(orderMax({ seats_available: 40, max_per_buyer: 2 })).toBe(2);
  });

  it('lets each type have what is left of it, of its own limit, and of the order after the other types', () => {
    expect(typeMax(vip, {}, event, NOW)).toBe(2);
    expect(typeMax(ga, { vip: 2 }, event, NOW)).toBe(8);
    expect(typeMax(ga, { ga: 4, vip: 2 }, event, NOW)).toBe(8);
    expect(typeMax(ga, { vip: 2 }, { seats_available: 40, max_per_buyer: 3 }, NOW)).toBe(1);
    expect(typeMax(type('x', { available: 0 }), {}, event, NOW)).toBe(0);
  });

  it('keeps a chosen quantity between 0 and what fits', () => {
    expect(withQuantity({}, vip, 5, event, NOW)).toEqual({ vip: 2 });
    expect(withQuantity({ vip: 2 }, vip, -1, event, NOW)).toEqual({ vip: 0 });
    expect(withQuantity({ ga: 1 }, ga, Number.NaN, event, NOW)).toEqual({ ga: 0 });
  });

  it('starts a lone type at one seat, and several types at none', () => {
    expect(initialQuantities([ga], NOW)).toEqual({ ga: 1 });
    expect(initialQuantities([type('a', { available: 0 })], NOW)).toEqual({});
    expect(initialQuantities([ga, vip], NOW)).toEqual({});
  });
});

describe('the hold body', () => {
  it('builds lines in the event’s order of types, leaving out types with no seats', () => {
    expect(holdLines([ga, vip], { vip: 2, ga: 0 })).toEqual([{ ticket_type_id: 'vip', quantity: 2 }]);
    expect(holdLines([ga, vip], { vip: 1, ga: 3 })).toEqual([
      { ticket_type_id: 'ga', quantity: 3 },
      { ticket_type_id: 'vip', quantity: 1 },
    ]);
    expect(subtotalCents([ga, vip], { vip: 1, ga: 3 })).toBe(3 * 2500 + 6000);
  });

  it('numbers the seats in line order, with keys that do not move when another type changes', () => {
    const seats = seatsOf(holdLines([ga, vip], { ga: 2, vip: 1 }), [ga, vip]);
    expect(seats.map((s) => [s.key, s.index, s.type_name])).toEqual([
      ['ga#1', 0, 'General'],
      ['ga#2', 1, 'General'],
      ['vip#1', 2, 'VIP'],
    ]);
    expect(seatsOf([{ ticket_type_id: 'vip', quantity: 1, name: 'VIP (old name)' }])[0].type_name).toBe('VIP (old name)');
  });

  it('sends one attendee per seat up to the last one named; blanks are the buyer; nothing when nobody is named', () => {
    const seats = seatsOf(holdLines([ga, vip], { ga: 2, vip: 2 }), [ga, vip]);
    expect(attendeesBody(seats, {})).toBeUndefined();
    expect(attendeesBody(seats, { 'ga#1': { name: '  ', email: '' } })).toBeUndefined();
    expect(
      attendeesBody(seats, { 'ga#2': { name: ' Bo ', email: ' bo@example.org ' }, 'vip#1': { name: 'Cy', email: '' } }),
    ).toEqual([{}, { name: 'Bo', email: 'bo@example.org' }, { name: 'Cy' }]);
  });

  it('asks for a name where only an e-mail was typed', () => {
    const seats = seatsOf([{ ticket_type_id: 'ga', quantity: 2 }], [ga]);
    expect(seatsMissingName(seats, { 'ga#2': { name: '', email: 'x@example.org' } })).toEqual({
      'ga#2': 'Add the name of the person with this e-mail.',
    });
  });

  it('puts lines, the trimmed promo code and the attendees in the body, and leaves out what is empty', () => {
    expect(holdBody('e1', [ga, vip], { ga: 1 }, '  ', {})).toEqual({ event_id: 'e1', lines: [{ ticket_type_id: 'ga', quantity: 1 }] });
    expect(holdBody('e1', [ga, vip], { ga: 1, vip: 1 }, ' spring ', { 'vip#1': { name: 'Ann', email: '' } })).toEqual({
      event_id: 'e1',
      lines: [
        { ticket_type_id: 'ga', quantity: 1 },
        { ticket_type_id: 'vip', quantity: 1 },
      ],
      promo_code: 'spring',
      attendees: [{}, { name: 'Ann' }],
    });
  });

  it('prefills an attendee edit from the booking and sends exactly one entry per seat', () => {
    const seats = seatsOf([{ ticket_type_id: 'ga', quantity: 3, name: 'General' }]);
    const entries = attendeeEntries(seats, [{ name: 'Ann', email: 'ann@example.org' }, { name: null, email: null }]);
    expect(entries['ga#1']).toEqual({ name: 'Ann', email: 'ann@example.org' });
    expect(entries['ga#3']).toEqual({ name: '', email: '' });
    expect(editedAttendees(seats, { ...entries, 'ga#3': { name: 'Cy', email: '' } })).toEqual([
      { name: 'Ann', email: 'ann@example.org' },
      {},
      { name: 'Cy' },
    ]);
  });
});

describe('a promo code’s discount, as the platform computes it', () => {
  const lines = [
    { ticket_type_id: 'ga', quantity: 2, unit_price_cents: 2500 },
    { ticket_type_id: 'vip', quantity: 1, unit_price_cents: 333 },
  ];
  it('takes a percent once off the subtotal, rounded half up', () => {
    expect(discountCents({ percent_off: 15, amount_off_cents: null, ticket_type_ids: ['vip'] }, lines)).toBe(50); // 49.95
    expect(discountCents({ percent_off: 10, amount_off_cents: null, ticket_type_ids: null }, lines)).toBe(533); // 533.3
    expect(discountCents({ percent_off: 100, amount_off_cents: null, ticket_type_ids: null }, lines)).toBe(5333);
  });

  it('takes an amount off the types it applies to, never more than they cost', () => {
    expect(discountCents({ percent_off: null, amount_off_cents: 500, ticket_type_ids: null }, lines)).toBe(500);
    expect(discountCents({ percent_off: null, amount_off_cents: 500, ticket_type_ids: ['vip'] }, lines)).toBe(333);
    expect(discountCents({ percent_off: null, amount_off_cents: 500, ticket_type_ids: ['other'] }, lines)).toBe(0);
  });
});

describe('errors of the hold, at their fields', () => {
  const seats = seatsOf([{ ticket_type_id: 'ga', quantity: 2, name: 'General' }]);
  const err = (status: number, code: string, details: Record<string, unknown>) => new ApiError(status, code, 'msg', details);

  it('shows a sold-out type with what is left of it', () => {
    expect(holdProblems(err(409, 'sold_out', { ticket_type_id: 'vip', available: 1 }), seats).byType).toEqual({ vip: 'Only 1 left: choose fewer.' });
    expect(holdProblems(err(409, 'sold_out', { ticket_type_id: 'vip', available: 0 }), seats).byType).toEqual({ vip: 'Sold out.' });
    expect(holdProblems(err(409, 'event_not_on_sale', { ticket_type_id: 'vip' }), seats).byType).toEqual({ vip: 'Not on sale now.' });
    expect(holdProblems(err(422, 'validation_error', { ticket_type_id: 'vip', available: 2 }), seats).byType).toEqual({ vip: 'At most 2 in one order.' });
  });

  it('explains an invalid promo code by its reason', () => {
    expect(holdProblems(err(422, 'promo_code_invalid', { reason: 'expired' }), seats).promo).toBe('This code has expired.');
    expect(holdProblems(err(422, 'promo_code_invalid', { reason: 'not_applicable' }), seats).promo).toMatch(/not valid for the tickets/);
    expect(holdProblems(err(422, 'promo_code_invalid', { reason: 'new-reason' }), seats).promo).toBe('msg');
  });

  it('places attendee errors at their seat', () => {
    const fields = { 'attendees[1].email': 'Not a valid e-mail address.', attendees: 'At most 2, one per seat.' };
    const problems = holdProblems(err(422, 'validation_error', { fields }), seats);
    expect(problems.bySeat).toEqual({ 'ga#2': 'E-mail: Not a valid e-mail address.' });
    expect(problems.attendees).toBe('At most 2, one per seat.');
  });

  it('places nothing for other errors', () => {
    expect(holdProblems(new Error('x'), seats)).toEqual({ byType: {}, promo: null, bySeat: {}, attendees: null });
    expect(holdProblems(err(409, 'sold_out', { seats_available: 0 }), seats).byType).toEqual({});
  });
});
