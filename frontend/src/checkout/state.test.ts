import { describe, expect, it } from 'vitest';
import { ApiError, toApiError } from '../api/client';
import { checkoutPhase, countdownAnnouncement, formatCountdown, messageFor, nextAttempt, secondsLeft, stripeAttempt } from './state';

const err = (status: number, code: string, message = 'x') => toApiError(status, { error: { code, message, details: {} } });

describe('countdown', () => {
  const t0 = Date.parse('2030-01-01T10:00:00Z');
  it('counts whole seconds down to expires_at and stops at zero', () => {
    expect(secondsLeft('2030-01-01T10:10:00Z', t0)).toBe(600);
    expect(secondsLeft('2030-01-01T10:10:00Z', t0 + 599_001)).toBe(1);
    expect(secondsLeft('2030-01-01T10:10:00Z', t0 + 600_000)).toBe(0);
    expect(secondsLeft('2030-01-01T10:10:00Z', t0 + 700_000)).toBe(0);
    expect(secondsLeft('not a date', t0)).toBe(0);
  });

  it('formats minutes and seconds', () => {
    expect([600, 65, 7, 0, -3, 3723].map(formatCountdown)).toEqual(['10:00', '1:05', '0:07', '0:00', '0:00', '1:02:03']);
  });

  it('announces at coarse steps only', () => {
    expect(countdownAnnouncement(120)).toBe('2 minutes left to pay.');
    expect(countdownAnnouncement(60)).toBe('1 minute left to pay.');
    expect(countdownAnnouncement(30)).toBe('30 seconds left to pay.');
    expect(countdownAnnouncement(59)).toBeNull();
    expect(countdownAnnouncement(0)).toBe('Your hold has expired.');
  });

  it('the phase follows the booking, the clock and the last error', () => {
    const pending = { status: 'pending', expires_at: '2030-01-01T10:10:00Z' };
    expect(checkoutPhase(pending, t0, false, null)).toBe('holding');
    expect(checkoutPhase(pending, t0, true, null)).toBe('paying');
    expect(checkoutPhase(pending, t0, false, err(402, 'card_declined'))).toBe('failed');
    expect(checkoutPhase(pending, t0 + 601_000, false, null)).toBe('expired');
    expect(checkoutPhase(pending, t0, false, err(409, 'hold_expired'))).toBe('expired');
    expect(checkoutPhase(pending, t0 + 601_000, false, err(504, 'timeout'))).toBe('failed');
    expect(checkoutPhase({ ...pending, status: 'confirmed' }, t0, false, null)).toBe('confirmed');
    expect(checkoutPhase({ ...pending, status: 'cancelled' }, t0, false, null)).toBe('closed');
  });
});

describe('error → message', () => {
  it('sold out says how many seats are left, if any', () => {
    const soldOut = (left?: number) =>
      toApiError(409, { error: { code: 'sold_out', message: 'From the server.', details: left === undefined ? {} : { seats_available: left } } });
    expect(messageFor(soldOut(0))).toMatchObject({ title: 'Sold out', text: expect.stringMatching(/no seats left/), next: 'none' });
    expect(messageFor(soldOut(1)).text).toBe('Only 1 seat is left for this event: choose fewer seats.');
    expect(messageFor(soldOut(3)).text).toBe('Only 3 seats are left for this event: choose fewer seats.');
    expect(messageFor(soldOut()).text).toBe('From the server.');
  });

  it('declines ask for another card', () => {
    expect(messageFor(err(402, 'card_declined'))).toMatchObject({ title: 'Card declined', next: 'change_card' });
    expect(messageFor(err(402, 'insufficient_funds'))).toMatchObject({ title: 'Insufficient funds', next: 'change_card' });
  });

  it('an expired hold asks for a new hold', () => {
    expect(messageFor(err(409, 'hold_expired'))).toMatchObject({ title: 'Your hold has expired', next: 'new_hold' });
  });

  it('a timeout offers a retry, safe to repeat', () => {
    const message = messageFor(toApiError(504, null));
    expect(message.next).toBe('retry');
    expect(message.text).toMatch(/charged at most once/);
  });

  it('busy answers mention Retry-After; validation errors name the fields; unknown errors are generic', () => {
    expect(messageFor(toApiError(503, null, '5')).text).toMatch(/5 s/);
    expect(
      messageFor(toApiError(422, { error: { code: 'validation_error', message: 'm', details: { fields: { card_number: 'fails Luhn' } } } }))
        .text,
    ).toBe('card number: fails Luhn');
    expect(messageFor(new Error('boom')).next).toBe('retry');
    expect(messageFor(new ApiError(400, 'weird', 'Weird.')).text).toBe('Weird.');
  });

  it('the on-sale refusals say what to do: rejoin the queue, choose fewer seats', () => {
    expect(messageFor(new ApiError(403, 'queue_pass_required', 'x')).text).toMatch(/queue/);
    expect(messageFor(new ApiError(409, 'purchase_limit_reached', 'x', { seats_left_for_you: 1 })).text).toBe(
      'You can book 1 more seat for this event: choose fewer.',
    );
    expect(messageFor(new ApiError(409, 'purchase_limit_reached', 'x', { seats_left_for_you: 0 })).text).toMatch(/as many seats/);
  });
});

describe('payment attempts', () => {
  const card = { card_number: '4242 4242 4242 4242', exp_month: 12, exp_year: 2031, cvc: '123' };
  let n = 0;
  const key = () => `key-${++n}`;

  it('the same card details reuse the key (a retry after a timeout cannot charge twice)', () => {
    const first = nextAttempt(null, card, key);
    const retry = nextAttempt(first, { ...card, card_number: '4242424242424242' }, key);
    expect(retry.key).toBe(first.key);
    expect(retry.body).toEqual(first.body);
  });

  it('new card details get a new key (the API refuses a key reused with another body)', () => {
    const declined = nextAttempt(null, { ...card, card_number: '4000 0000 0000 0002' }, key);
    const good = nextAttempt(declined, card, key);
    expect(good.key).not.toBe(declined.key);
  });
});

describe('stripeAttempt', () => {
  it('resends the same payment method under the same key, and a new one under a new key', () => {
    let n = 0;
    const makeKey = () => `k${++n}`;
    const first = stripeAttempt(null, 'pm_1', makeKey);
    expect(first).toEqual({ key: 'k1', body: { payment_method: 'pm_1' } });
    expect(stripeAttempt(first, 'pm_1', makeKey)).toBe(first);
    expect(stripeAttempt(first, 'pm_2', makeKey)).toEqual({ key: 'k2', body: { payment_method: 'pm_2' } });
  });
});

describe('errors of ticket types and promo codes', () => {
  it('says which kind of refusal a hold with types met', () => {
    expect(messageFor(new ApiError(409, 'sold_out', 'x', { ticket_type_id: 'vip', available: 1 })).text).toMatch(/^Only 1 seat is left of a ticket type/);
    expect(messageFor(new ApiError(409, 'sold_out', 'x', { ticket_type_id: 'vip', available: 0 })).text).toMatch(/have just gone/);
    expect(messageFor(new ApiError(409, 'event_not_on_sale', 'x', { ticket_type_id: 'vip' })).title).toBe('Not on sale');
    expect(messageFor(new ApiError(422, 'promo_code_invalid', 'This promo code has expired.', { reason: 'expired' }))).toEqual({
      title: 'Promo code not accepted',
      text: 'This code has expired.',
      next: 'fix_form',
    });
    expect(messageFor(new ApiError(409, 'capacity_below_sold', 'x', { seats_taken: 7 })).text).toMatch(/^7 seats/);
  });
});
