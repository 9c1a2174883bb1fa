import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import type { Ticket } from '../api/tickets';
import { RepeatFilter, answerOfCheckIn, answerOfError, countsByType, normaliseCode } from './checkin';

const ticket: Ticket = {
  id: 't1',
  booking_id: 'b1',
  event_id: 'e1',
  ticket_type_id: 'vip',
  type_name: 'VIP',
  attendee_name: 'Ada Lovelace',
  code: 'CODE',
  status: 'checked_in',
  checked_in_at: '2030-01-01T19:04:05Z',
};

describe('the door’s answer', () => {
  it('is green with the attendee and type for ok', () => {
    expect(answerOfCheckIn({ result: 'ok', ticket })).toMatchObject({ result: 'ok', ok: true, title: 'Checked in: Ada Lovelace (VIP)' });
  });

  it('is red for a ticket already checked in, with the time it was', () => {
    const error = new ApiError(409, 'already_checked_in', 'x', { checked_in_at: '2030-01-01T19:04:05Z' });
    const answer = answerOfError(error, Date.parse('2030-01-01T20:00:00Z'));
    expect(answer).toMatchObject({ result: 'already_checked_in', ok: false });
    expect(answer.title).toMatch(/^Already checked in at \d{2}:\d{2}:\d{2}/);
    expect(answerOfError(error, Date.parse('2030-03-01T20:00:00Z')).title).toMatch(/Jan 1, 2030/);
    expect(answerOfError(new ApiError(409, 'already_checked_in', 'x', {})).title).toBe('Already checked in');
  });

  it('is red for a void, unknown or forbidden ticket, and for failures', () => {
    expect(answerOfError(new ApiError(409, 'ticket_void', 'x'))).toMatchObject({ result: 'ticket_void', ok: false, title: 'Void ticket' });
    expect(answerOfError(new ApiError(404, 'unknown_ticket', 'x'))).toMatchObject({ result: 'unknown_ticket', title: 'Unknown ticket' });
    expect(answerOfError(new ApiError(403, 'forbidden', 'x'))).toMatchObject({ result: 'forbidden', ok: false });
    expect(answerOfError(new ApiError(0, 'network', 'x'))).toMatchObject({ result: 'error', ok: false });
    expect(answerOfError(new TypeError('boom'))).toMatchObject({ result: 'error', ok: false });
  });

  it('trims the typed code', () => {
    expect(normaliseCode('  abcd efgh \n')).toBe('abcd efgh');
  });
});

describe('the camera’s repeat filter', () => {
  it('sends a code once while it is held in front of the camera, again after the window', () => {
    const filter = new RepeatFilter(2500);
    expect(filter.admit('A', 0)).toBe(true);
    expect(filter.admit('A', 200)).toBe(false);
    expect(filter.admit('A', 2499)).toBe(false);
    expect(filter.admit('A', 2600)).toBe(true);
  });

  it('lets another code through at once', () => {
    const filter = new RepeatFilter(2500);
    expect(filter.admit('A', 0)).toBe(true);
    expect(filter.admit('B', 100)).toBe(true);
    expect(filter.admit('A', 200)).toBe(true);
  });
});

describe('the counts per type', () => {
  it('names each type, and a type the page does not know by its place', () => {
    const stats = {
      total: 3,
      checked_in: 1,
      by_type: [
        { ticket_type_id: 'vip', total: 1, checked_in: 1 },
        { ticket_type_id: 'zzz', total: 2, checked_in: 0 },
      ],
    };
    const types = [{ id: 'vip', name: 'VIP', price_cents: 0, quota: 1, available: 0, sales_start: null, sales_end: null, max_per_order: null }];
    expect(countsByType(stats, types).map((r) => [r.name, r.checked_in, r.total])).toEqual([
      ['VIP', 1, 1],
      ['Type 2', 0, 2],
    ]);
  });
});
