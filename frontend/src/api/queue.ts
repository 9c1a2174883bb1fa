// The waiting room and the waiting list (shared/API.md "On-sale"): `/api/events/{id}/queue` and `.../waitlist`.
import type { ApiClient } from './client';
import { ApiError } from './errors';
import type { QueueEntry, WaitlistEntry, WaitlistJoin } from './types';

export type { QueueEntry, QueueStatus, WaitlistEntry } from './types';

/** An answer of the queue routes with the `Retry-After` the server asks the client to honour (seconds, or null). */
export interface QueueAnswer {
  entry: QueueEntry;
  retryAfter: number | null;
}

/** `Retry-After` in seconds: a number of seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, (at - now) / 1000);
}

const queueUrl = (eventId: string) => `/api/events/${encodeURIComponent(eventId)}/queue`;
const waitlistUrl = (eventId: string) => `/api/events/${encodeURIComponent(eventId)}/waitlist`;

async function queueCall(api: ApiClient, method: 'GET' | 'POST', eventId: string): Promise<QueueAnswer> {
  let retryAfter: number | null = null;
  const entry = await api.request<QueueEntry>(method, '/api/events/{id}/queue', {
    url: queueUrl(eventId),
    onHeaders: (headers) => {
      retryAfter = parseRetryAfter(headers.get('Retry-After'));
    },
  });
  return { entry, retryAfter };
}

/** Join the waiting room (joining again returns the same entry). */
export function joinQueue(api: ApiClient, eventId: string): Promise<QueueAnswer> {
  return queueCall(api, 'POST', eventId);
}

/** The user's entry; 404 `not_found` when they never joined. */
export function getQueue(api: ApiClient, eventId: string): Promise<QueueAnswer> {
  return queueCall(api, 'GET', eventId);
}

export function leaveQueue(api: ApiClient, eventId: string): Promise<void> {
  return api.request<void>('DELETE', '/api/events/{id}/queue', { url: queueUrl(eventId) });
}

/** 409 `seats_available` while seats are on sale. */
export function joinWaitlist(api: ApiClient, eventId: string, quantity: number): Promise<WaitlistEntry> {
  const body: WaitlistJoin = { quantity };
  return api.request<WaitlistEntry>('POST', '/api/events/{id}/waitlist', { url: waitlistUrl(eventId), body });
}

/** The user's entry, or null when they have none (404). */
export async function getWaitlist(api: ApiClient, eventId: string): Promise<WaitlistEntry | null> {
  try {
    return await api.request<WaitlistEntry>('GET', '/api/events/{id}/waitlist', { url: waitlistUrl(eventId) });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export function leaveWaitlist(api: ApiClient, eventId: string): Promise<void> {
  return api.request<void>('DELETE', '/api/events/{id}/waitlist', { url: waitlistUrl(eventId) });
}
