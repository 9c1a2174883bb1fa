// The checkout's logic, kept out of React so it can be tested: the hold's countdown, the payment attempts
// (one Idempotency-Key per card details, reused by a retry), and what each error means for the customer.
import { ApiError, newIdempotencyKey } from '../api/client';
import type { CardDetails, PaymentCreate } from '../api/types';
import { promoProblem } from '../tickets/order';

/** Whole seconds left until `expiresAt` (ISO-8601), never negative. */
export function secondsLeft(expiresAt: string, now: number = Date.now()): number {
  const end = Date.parse(expiresAt);
  if (Number.isNaN(end)) return 0;
  return Math.max(0, Math.ceil((end - now) / 1000));
}

/** `9:05`, `0:07`, `1:02:03`. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** A sentence for screen readers, announced at coarse steps only (every minute, then at 30 s and 10 s). */
export function countdownAnnouncement(seconds: number): string | null {
  if (seconds <= 0) return 'Your hold has expired.';
  if (seconds === 30 || seconds === 10) return `${seconds} seconds left to pay.`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? '' : 's'} left to pay.`;
  return null;
}

export interface PaymentAttempt {
  key: string;
  body: PaymentCreate;
}

function sameCard(a: PaymentCreate, b: CardDetails): boolean {
  return (
    (a.card_number ?? '').replace(/\s+/g, '') === b.card_number.replace(/\s+/g, '') &&
    a.exp_month === b.exp_month &&
    a.exp_year === b.exp_year &&
    a.cvc === b.cvc
  );
}

/**
 * The attempt to send: the previous one (same key) when the card details did not change — so a retry after a
 * timeout can never charge twice — or a new key for new details (the API refuses a key reused with another body).
 */
export function nextAttempt(previous: PaymentAttempt | null, body: CardDetails, makeKey = newIdempotencyKey): PaymentAttempt {
  if (previous && sameCard(previous.body, body)) return previous;
  return { key: makeKey(), body: { ...body, card_number: body.card_number.replace(/\s+/g, ' ').trim() } };
}

/** With Stripe: each payment method its card element made is a new attempt; a retry resends the same one. */
export function stripeAttempt(previous: PaymentAttempt | null, paymentMethod: string, makeKey = newIdempotencyKey): PaymentAttempt {
  if (previous && previous.body.payment_method === paymentMethod) return previous;
  return { key: makeKey(), body: { payment_method: paymentMethod } };
}

export type NextStep = 'retry' | 'change_card' | 'new_hold' | 'login' | 'fix_form' | 'wait' | 'none';

export interface ErrorMessage {
  title: string;
  text: string;
  next: NextStep;
}

/** What an error of the booking and payment routes means for the customer, and what they can do next. */
export function messageFor(error: unknown): ErrorMessage {
  if (!(error instanceof ApiError)) {
    return { title: 'Something went wrong', text: 'Please try again.', next: 'retry' };
  }
  switch (error.code) {
    case 'sold_out': {
      if (typeof error.details.ticket_type_id === 'string') {
        const n = error.details.available;
        const text =
          typeof n === 'number' && n > 0
            ? `Only ${n} seat${n === 1 ? ' is' : 's are'} left of a ticket type you chose: choose fewer.`
            : 'The last seats of a ticket type you chose have just gone.';
        return { title: 'Sold out', text, next: 'none' };
      }
      const left = error.details.seats_available;
      const text =
        left === 0
          ? 'The last seats have just gone: there are no seats left for this event.'
          : typeof left === 'number'
            ? `Only ${left} seat${left === 1 ? ' is' : 's are'} left for this event: choose fewer seats.`
            : error.message || 'There are not enough seats left for this event.';
      return { title: 'Sold out', text, next: 'none' };
    }
    case 'card_declined':
      return {
        title: 'Card declined',
        text: 'Your card was declined. Nothing was charged — try another card.',
        next: 'change_card',
      };
    case 'insufficient_funds':
      return {
        title: 'Insufficient funds',
        text: 'The card has insufficient funds. Nothing was charged — try another card.',
        next: 'change_card',
      };
    case 'hold_expired':
      return {
        title: 'Your hold has expired',
        text: 'The seats were released because the time to pay ran out. Hold them again to book.',
        next: 'new_hold',
      };
    case 'timeout':
      return {
        title: 'The payment is taking longer than expected',
        text: 'We did not hear back in time. Retrying is safe: you will be charged at most once.',
        next: 'retry',
      };
    case 'booking_not_pending':
      return { title: 'Already settled', text: 'This booking is no longer waiting for payment.', next: 'none' };
    case 'idempotency_in_progress':
      return { title: 'Still working', text: 'Your payment is still being processed. Retry in a moment.', next: 'retry' };
    case 'rate_limited':
    case 'unavailable':
    case 'overloaded': {
      const wait = error.retryAfter ? ` Try again in ${error.retryAfter} s.` : ' Try again in a moment.';
      return { title: 'Busy', text: `The service is busy.${wait}`, next: 'retry' };
    }
    case 'network':
      return { title: 'Connection problem', text: error.message, next: 'retry' };
    case 'unauthenticated':
      return { title: 'Please log in again', text: 'Your session has ended.', next: 'login' };
    case 'validation_error': {
      const fields = Object.entries(error.fields).map(([field, why]) => `${field.replace(/_/g, ' ')}: ${why}`);
      return {
        title: 'Please check the form',
        text: fields.length ? fields.join(' ') : error.message,
        next: 'fix_form',
      };
    }
    case 'queue_pass_required':
      return { title: 'Your turn has passed', text: 'Seats for this event are sold through the queue: join it again.', next: 'none' };
    case 'event_not_on_sale':
      if (typeof error.details.ticket_type_id === 'string') {
        return { title: 'Not on sale', text: 'One of the ticket types you chose is not on sale now.', next: 'none' };
      }
      return { title: 'Not on sale yet', text: 'The sale for this event has not opened yet.', next: 'none' };
    case 'purchase_limit_reached': {
      const left = error.details.seats_left_for_you;
      const text =
        typeof left === 'number'
          ? left > 0
            ? `You can book ${left} more seat${left === 1 ? '' : 's'} for this event: choose fewer.`
            : 'You already hold or own as many seats as one buyer may have for this event.'
          : error.message;
      return { title: 'Limit per buyer reached', text, next: 'none' };
    }
    case 'seats_available':
      return { title: 'Seats are back on sale', text: 'No need for the waiting list: book them now.', next: 'none' };
    case 'promo_code_invalid':
      return { title: 'Promo code not accepted', text: promoProblem(error), next: 'fix_form' };
    case 'promo_code_taken':
      return { title: 'Code taken', text: 'This event already has a promo code with this name: choose another.', next: 'fix_form' };
    case 'capacity_below_sold': {
      const taken = error.details.seats_taken;
      const text = typeof taken === 'number' ? `${taken} seats are already sold or held: the quota cannot be lower.` : error.message;
      return { title: 'Too low', text, next: 'fix_form' };
    }
    case 'forbidden':
      return { title: 'Not allowed', text: error.message || 'Your account may not do this.', next: 'none' };
    case 'not_found':
      return { title: 'Not found', text: 'This booking or event does not exist.', next: 'none' };
    default:
      return { title: 'Something went wrong', text: error.message, next: error.status >= 500 ? 'retry' : 'none' };
  }
}

export type CheckoutPhase = 'holding' | 'paying' | 'failed' | 'confirmed' | 'expired' | 'closed';

/** The phase the checkout shows, from the booking's status, the clock and the last payment error. */
export function checkoutPhase(
  booking: { status: string; expires_at: string },
  now: number,
  paying: boolean,
  error: unknown,
): CheckoutPhase {
  if (booking.status === 'confirmed') return 'confirmed';
  if (booking.status === 'expired') return 'expired';
  if (booking.status !== 'pending') return 'closed';
  if (paying) return 'paying';
  if (error instanceof ApiError && error.code === 'hold_expired') return 'expired';
  // A payment that timed out may still settle after the hold's time: keep offering the retry.
  if (secondsLeft(booking.expires_at, now) === 0 && !(error instanceof ApiError && error.code === 'timeout')) {
    return 'expired';
  }
  return error ? 'failed' : 'holding';
}

export const SANDBOX_CARDS = [
  { number: '4242 4242 4242 4242', result: 'succeeds' },
  { number: '4000 0000 0000 0002', result: 'declined (card_declined)' },
  { number: '4000 0000 0000 9995', result: 'declined (insufficient funds)' },
  { number: '4000 0000 0000 0259', result: 'slow: answers after 30 s, so the payment times out — then retry' },
] as const;

export function formatMoney(cents: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
}
