import { describe, expect, it } from 'vitest';
import type { TicketType } from '../api/tickets';
import {
  EMPTY_PROMO,
  centsOf,
  describeDiscount,
  describeScope,
  describeUses,
  fromLocalInput,
  promoBody,
  promoOfDraft,
  toLocalInput,
  typeBody,
  typeChanges,
  typeDraft,
} from './forms';

const vip: TicketType = {
  id: 'vip',
  name: 'VIP',
  price_cents: 6000,
  quota: 20,
  available: 12,
  sales_start: null,
  sales_end: '2030-05-01T18:00:00.000Z',
  max_per_order: 4,
};

describe('amounts and times in the inputs', () => {
  it('reads an amount as cents, refusing what is not one', () => {
    expect(centsOf('12.50')).toBe(1250);
    expect(centsOf('12,5')).toBe(1250);
    expect(centsOf(' 7 ')).toBe(700);
    expect(centsOf('0.1')).toBe(10);
    expect(centsOf('1.005')).toBeNaN();
    expect(centsOf('-3')).toBeNaN();
    expect(centsOf('')).toBeNaN();
  });

  it('round-trips a datetime-local value', () => {
    const iso = '2030-05-01T18:00:00.000Z';
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
  });
});

describe('the ticket type form', () => {
  it('makes the POST body of a new type, with empty limits as null', () => {
    const body = typeBody({ name: ' Early bird ', price: '15', quota: '30', sales_start: '', sales_end: '', max_per_order: '' });
    expect(body).toEqual({ name: 'Early bird', price_cents: 1500, quota: 30, sales_start: null, sales_end: null, max_per_order: null });
  });

  it('patches only what changed, and a cleared limit as null', () => {
    const draft = typeDraft(vip);
    expect(typeChanges(vip, draft)).toEqual({});
    expect(typeChanges(vip, { ...draft, quota: '25', name: 'VIP lounge' })).toEqual({ quota: 25, name: 'VIP lounge' });
    expect(typeChanges(vip, { ...draft, sales_end: '', max_per_order: '' })).toEqual({ sales_end: null, max_per_order: null });
  });
});

describe('the promo code form', () => {
  it('sends either a percent or an amount, and only the limits given', () => {
    expect(promoBody({ ...EMPTY_PROMO, code: ' SPRING ', value: '20' })).toEqual({ code: 'SPRING', percent_off: 20 });
    expect(
      promoBody({ code: 'FIVE', kind: 'amount', value: '5.00', max_uses: '100', valid_until: '2030-05-01T18:00', scope: ['vip'] }),
    ).toEqual({
      code: 'FIVE',
      amount_off_cents: 500,
      max_uses: 100,
      valid_until: new Date('2030-05-01T18:00').toISOString(),
      ticket_type_ids: ['vip'],
    });
  });

  it('previews only a draft with a usable value', () => {
    expect(promoOfDraft({ ...EMPTY_PROMO, value: '' })).toBeNull();
    expect(promoOfDraft({ ...EMPTY_PROMO, value: '25' })).toEqual({ percent_off: 25, amount_off_cents: null, ticket_type_ids: null });
    expect(promoOfDraft({ ...EMPTY_PROMO, kind: 'amount', value: '2.5', scope: ['vip'] })).toEqual({
      percent_off: null,
      amount_off_cents: 250,
      ticket_type_ids: ['vip'],
    });
  });

  it('describes a code in the list', () => {
    expect(describeDiscount({ percent_off: 20, amount_off_cents: null }, 'EUR')).toBe('20 % off');
    expect(describeDiscount({ percent_off: null, amount_off_cents: 500 }, 'EUR')).toBe('€5.00 off');
    expect(describeScope(null, [vip])).toBe('All types');
    expect(describeScope(['vip', 'gone'], [vip])).toBe('VIP, a removed type');
    const early = { ...vip, id: 'early', name: 'Early bird' };
    expect(describeScope(['vip', 'early'], [early, vip])).toBe('Early bird, VIP'); // the event's order, not the list's
    expect(describeUses({ uses: 3, max_uses: 10 })).toBe('3 / 10 used');
    expect(describeUses({ uses: 3, max_uses: null })).toBe('3 used (no limit)');
  });
});
