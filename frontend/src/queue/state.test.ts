import { describe, expect, it } from 'vitest';
import { DEFAULT_POLL_S, MAX_BACKOFF_S, distance, firstSpot, formatWait, leftToPay, pollDelayMs, queueProgress } from './state';

const noJitter = () => 0;
const fullJitter = () => 1;

describe('the delay before the next poll', () => {
  it('waits exactly the Retry-After when no jitter is drawn', () => {
    expect(pollDelayMs(7, 0, noJitter)).toBe(7000);
    expect(pollDelayMs(2.5, 0, noJitter)).toBe(2500);
  });

  it('never polls faster than the Retry-After: jitter only adds, at most 10 %', () => {
    for (const r of [0, 0.3, 0.999, 1]) {
      const delay = pollDelayMs(30, 0, () => r);
      expect(delay).toBeGreaterThanOrEqual(30_000);
      expect(delay).toBeLessThanOrEqual(33_000);
    }
    expect(pollDelayMs(30, 0, () => 5)).toBe(33_000); // a broken random source cannot shorten or blow it up
    expect(pollDelayMs(30, 0, () => -1)).toBe(30_000);
  });

  it('honours a long Retry-After as it is, even after failures', () => {
    expect(pollDelayMs(600, 4, noJitter)).toBe(600_000);
  });

  it('waits at least a second when told 0', () => {
    expect(pollDelayMs(0, 0, noJitter)).toBe(1000);
  });

  it('without a Retry-After, polls at the default pace and backs off after failures up to a minute', () => {
    expect(pollDelayMs(null, 0, noJitter)).toBe(DEFAULT_POLL_S * 1000);
    expect(pollDelayMs(null, 1, noJitter)).toBe(DEFAULT_POLL_S * 2000);
    expect(pollDelayMs(null, 2, noJitter)).toBe(DEFAULT_POLL_S * 4000);
    expect(pollDelayMs(null, 10, noJitter)).toBe(MAX_BACKOFF_S * 1000);
    expect(pollDelayMs(Number.NaN, 0, fullJitter)).toBe(DEFAULT_POLL_S * 1100);
  });
});

describe('the progress through the queue', () => {
  it('measures the distance by the entries ahead, else by the position', () => {
    expect(distance({ position: 40, ahead: 12 })).toBe(12);
    expect(distance({ position: 40, ahead: null })).toBe(39);
    expect(distance({ position: null, ahead: null })).toBeNull();
    expect(distance(null)).toBeNull();
  });

  it('is the share of the way from the first spot seen to the front', () => {
    const first = { position: 101, ahead: 100 };
    expect(queueProgress(first, { position: 101, ahead: 100 }, 'waiting')).toBe(0);
    expect(queueProgress(first, { position: 76, ahead: 75 }, 'waiting')).toBe(0.25);
    expect(queueProgress(first, { position: 1, ahead: 0 }, 'waiting')).toBe(1);
  });

  it('works when only the people ahead shrink and the position stays the rank in the draw', () => {
    expect(queueProgress({ position: 50, ahead: 49 }, { position: 50, ahead: 9 }, 'waiting')).toBeCloseTo(40 / 49);
  });

  it('is full once admitted, or when the entry was first seen at the front', () => {
    expect(queueProgress({ position: 9, ahead: 8 }, { position: 9, ahead: 8 }, 'admitted')).toBe(1);
    expect(queueProgress({ position: 1, ahead: 0 }, { position: 1, ahead: 0 }, 'waiting')).toBe(1);
  });

  it('is zero before the draw, and never leaves 0…1', () => {
    expect(queueProgress(null, { position: null, ahead: null }, 'waiting')).toBe(0);
    expect(queueProgress({ position: 5, ahead: 4 }, { position: 9, ahead: 8 }, 'waiting')).toBe(0);
  });

  it('keeps the first spot with a place in the order, replaced only by a farther one', () => {
    const drawn = { position: 30, ahead: 29 };
    expect(firstSpot(null, { position: null, ahead: null })).toBeNull();
    expect(firstSpot(null, drawn)).toEqual(drawn);
    expect(firstSpot(drawn, { position: 30, ahead: 10 })).toBe(drawn);
    expect(firstSpot(drawn, { position: 44, ahead: 43 })).toEqual({ position: 44, ahead: 43 });
  });
});

describe('waits and countdowns in words', () => {
  it('rounds the estimated wait to what a person can use', () => {
    expect(formatWait(null)).toBeNull();
    expect(formatWait(undefined)).toBeNull();
    expect(formatWait(-3)).toBeNull();
    expect(formatWait(0)).toBe('less than a minute');
    expect(formatWait(59)).toBe('less than a minute');
    expect(formatWait(60)).toBe('about 1 minute');
    expect(formatWait(150)).toBe('about 3 minutes');
    expect(formatWait(3600)).toBe('about 1 hour');
    expect(formatWait(3900)).toBe('about 1 h 5 min');
    expect(formatWait(7200)).toBe('about 2 hours');
  });

  it('counts down the time left to pay a pending booking', () => {
    const now = Date.parse('2030-01-01T10:00:00Z');
    expect(leftToPay('2030-01-01T10:04:59Z', now)).toEqual({ seconds: 299, text: '4:59 left to pay' });
    expect(leftToPay('2030-01-01T10:00:00.400Z', now)).toEqual({ seconds: 1, text: '0:01 left to pay' });
    expect(leftToPay('2030-01-01T09:59:00Z', now)).toEqual({ seconds: 0, text: 'the time to pay has run out' });
    expect(leftToPay('not a date', now).seconds).toBe(0);
  });
});
