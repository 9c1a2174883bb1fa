// The waiting room's logic, kept out of React so it can be tested: how long to wait before polling again,
// how far the entry has moved, and the sentences for waits and countdowns.
import { formatCountdown, secondsLeft } from '../checkout/state';

/** Without a `Retry-After`, poll every 5 s, doubling after each failure up to a minute. */
export const DEFAULT_POLL_S = 5;
export const MAX_BACKOFF_S = 60;
const MIN_POLL_S = 1;
/** Up to 10 % added at random, so that a crowd admitted together does not poll in lockstep. */
const JITTER = 0.1;

/**
 * Milliseconds to wait before the next poll: never less than the server's `Retry-After` (only jitter is added,
 * never taken away); without one, a default that backs off after failures.
 */
export function pollDelayMs(retryAfter: number | null, failures = 0, random: () => number = Math.random): number {
  const base =
    retryAfter !== null && Number.isFinite(retryAfter) && retryAfter >= 0
      ? Math.max(MIN_POLL_S, retryAfter)
      : Math.min(MAX_BACKOFF_S, DEFAULT_POLL_S * 2 ** Math.max(0, failures));
  return Math.ceil(base * 1000 * (1 + JITTER * Math.min(1, Math.max(0, random()))));
}

/** Where an entry stood: its position and the entries still waiting before it. */
export interface Spot {
  position: number | null;
  ahead: number | null;
}

/** How many are still between the entry and its turn (`ahead`, else position − 1); null before the draw. */
export function distance(spot: Spot | null): number | null {
  if (!spot) return null;
  if (spot.ahead !== null && spot.ahead >= 0) return spot.ahead;
  return spot.position !== null && spot.position >= 1 ? spot.position - 1 : null;
}

/** The spot to measure progress from: the first one seen with a place in the order (a farther one replaces it). */
export function firstSpot(first: Spot | null, current: Spot): Spot | null {
  const now = distance(current);
  if (now === null) return first;
  const then = distance(first);
  return then === null || now > then ? { position: current.position, ahead: current.ahead } : first;
}

/** 0…1: the share of the way from the first spot seen to the front that the entry has covered. */
export function queueProgress(first: Spot | null, current: Spot, status: string): number {
  if (status === 'admitted') return 1;
  const then = distance(first);
  const now = distance(current);
  if (then === null || now === null) return 0;
  if (then <= 0) return 1;
  return Math.min(1, Math.max(0, (then - now) / then));
}

/** `less than a minute`, `about 3 minutes`, `about 1 h 5 min`; null when the server gives no estimate. */
export function formatWait(seconds: number | null | undefined): string | null {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return null;
  if (seconds < 60) return 'less than a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `about ${h} h ${m} min` : `about ${h} hour${h === 1 ? '' : 's'}`;
}

/** A pending booking's countdown for the bookings list: `4:59 left to pay`, or that the time ran out. */
export function leftToPay(expiresAt: string, now: number = Date.now()): { seconds: number; text: string } {
  const seconds = secondsLeft(expiresAt, now);
  return { seconds, text: seconds > 0 ? `${formatCountdown(seconds)} left to pay` : 'the time to pay has run out' };
}
