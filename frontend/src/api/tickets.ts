// Ticket types, promo codes, bookings with lines, tickets, check-in and exports (shared/API.md "Ticket types, promo
// codes, tickets and check-in"). Hand-written: the generated schema does not describe all of these routes yet.
import type { ApiClient } from './client';
import type { ApiPath, Booking, Event } from './types';

export interface TicketType {
  id: string;
  name: string;
  price_cents: number;
  quota: number;
  /** Seats of this type on sale now: never more than the event's seats_available. */
  available: number;
  sales_start: string | null;
  /** Exclusive. */
  sales_end: string | null;
  /** null: only the platform's per-order maximum. */
  max_per_order: number | null;
}

/** POST body; a PATCH takes any subset of it. */
export interface TicketTypeInput {
  name: string;
  price_cents: number;
  quota: number;
  sales_start?: string | null;
  sales_end?: string | null;
  max_per_order?: number | null;
}

export interface PromoCode {
  id: string;
  code: string;
  percent_off: number | null;
  amount_off_cents: number | null;
  max_uses: number | null;
  uses: number;
  valid_until: string | null;
  /** null: every type of the event. */
  ticket_type_ids: string[] | null;
}

/** Exactly one of `percent_off` and `amount_off_cents`. */
export interface PromoCodeInput {
  code: string;
  percent_off?: number;
  amount_off_cents?: number;
  max_uses?: number;
  valid_until?: string;
  ticket_type_ids?: string[];
}

export interface LineRequest {
  ticket_type_id: string;
  quantity: number;
}

export interface BookingLine extends LineRequest {
  name: string;
  unit_price_cents: number;
}

/** One per seat, in line order; no name means "the buyer" (at a hold) or "unchanged" (in an edit). */
export interface AttendeeInput {
  name?: string;
  email?: string;
}

/** `name` null: the buyer. A booking's list may be empty: every seat the buyer's. */
export interface Attendee {
  name: string | null;
  email: string | null;
}

export interface HoldBody {
  event_id: string;
  lines: LineRequest[];
  promo_code?: string;
  attendees?: AttendeeInput[];
}

/** An event with its ticket types (absent only from a server that predates them). */
export type TicketedEvent = Event & { ticket_types?: TicketType[] };

/** A booking with its lines, discount and attendees (absent only from a server that predates them). */
export type TicketedBooking = Booking & {
  lines?: BookingLine[];
  discount_cents?: number;
  promo_code?: string | null;
  attendees?: Attendee[];
};

export type TicketStatus = 'valid' | 'checked_in' | 'void';

export interface Ticket {
  id: string;
  booking_id: string;
  event_id: string;
  ticket_type_id: string;
  type_name: string;
  attendee_name: string;
  /** What the QR code carries. */
  code: string;
  status: TicketStatus;
  checked_in_at: string | null;
}

export interface CheckInAnswer {
  result: 'ok';
  ticket: Ticket;
}

export interface CheckInStats {
  total: number;
  checked_in: number;
  by_type: Array<{ ticket_type_id: string; total: number; checked_in: number }>;
}

export interface StaffMember {
  event_id: string;
  user_id: string;
  email: string;
}

/** Routes of the contract that the generated document may not list yet; the cast goes once the schema has them. */
type ContractPath =
  | '/api/events/{id}/ticket-types'
  | '/api/events/{id}/ticket-types/{type_id}'
  | '/api/events/{id}/promo-codes'
  | '/api/bookings/{id}/attendees';
const contract = (path: ContractPath) => path as ApiPath;

const e = encodeURIComponent;
const eventUrl = (eventId: string, rest: string) => `/api/events/${e(eventId)}${rest}`;

// --- organizer: ticket types and promo codes
export function createTicketType(api: ApiClient, eventId: string, body: TicketTypeInput): Promise<TicketType> {
  return api.request('POST', contract('/api/events/{id}/ticket-types'), { url: eventUrl(eventId, '/ticket-types'), body });
}

/** 409 `capacity_below_sold` (details.seats_taken) when the quota drops below the seats sold and held. */
export function updateTicketType(api: ApiClient, eventId: string, typeId: string, body: Partial<TicketTypeInput>): Promise<TicketType> {
  return api.request('PATCH', contract('/api/events/{id}/ticket-types/{type_id}'), {
    url: eventUrl(eventId, `/ticket-types/${e(typeId)}`),
    body,
  });
}

export function createPromoCode(api: ApiClient, eventId: string, body: PromoCodeInput): Promise<PromoCode> {
  return api.request('POST', contract('/api/events/{id}/promo-codes'), { url: eventUrl(eventId, '/promo-codes'), body });
}

export async function listPromoCodes(api: ApiClient, eventId: string): Promise<PromoCode[]> {
  const page = await api.request<{ items: PromoCode[] }>('GET', contract('/api/events/{id}/promo-codes'), {
    url: eventUrl(eventId, '/promo-codes'),
  });
  return page.items;
}

// --- buyer: the hold with lines, the attendees, the tickets
/** A hold; the caller's Idempotency-Key must stay the same for a retry of the same body. */
export function holdTickets(api: ApiClient, body: HoldBody, idempotencyKey: string, pass?: string | null): Promise<TicketedBooking> {
  const headers = pass ? { 'Queue-Pass': pass } : undefined;
  return api.request('POST', '/api/bookings', { body, idempotencyKey, headers });
}

/** Exactly one entry per seat; 409 `conflict` once the event has started. */
export function updateAttendees(api: ApiClient, bookingId: string, attendees: AttendeeInput[]): Promise<TicketedBooking> {
  return api.request('PUT', contract('/api/bookings/{id}/attendees'), {
    url: `/api/bookings/${e(bookingId)}/attendees`,
    body: { attendees },
  });
}

/** 409 before the booking is confirmed. */
export async function bookingTickets(api: ApiClient, bookingId: string): Promise<Ticket[]> {
  const page = await api.request<{ items: Ticket[] }>('GET', '/api/bookings/{id}/tickets', {
    url: `/api/bookings/${e(bookingId)}/tickets`,
  });
  return page.items;
}

/** The ticket's QR code as SVG text (the route needs the token, so an <img src> cannot load it by itself). */
export function ticketQrSvg(api: ApiClient, ticketId: string): Promise<string> {
  return api.request('GET', '/api/tickets/{id}/qr.svg', {
    url: `/api/tickets/${e(ticketId)}/qr.svg`,
    headers: { Accept: 'image/svg+xml' },
    responseType: 'text',
  });
}

/** A file of the API with the name its Content-Disposition gives (or none). */
export interface ApiFile {
  blob: Blob;
  disposition: string | null;
}

async function file(api: ApiClient, path: ApiPath, url: string, accept: string): Promise<ApiFile> {
  let disposition: string | null = null;
  const blob = await api.request<Blob>('GET', path, {
    url,
    headers: { Accept: accept },
    responseType: 'blob',
    onHeaders: (headers) => {
      disposition = headers.get('Content-Disposition');
    },
  });
  return { blob, disposition };
}

export function ticketsPdf(api: ApiClient, bookingId: string): Promise<ApiFile> {
  return file(api, '/api/bookings/{id}/tickets.pdf', `/api/bookings/${e(bookingId)}/tickets.pdf`, 'application/pdf');
}

// --- the door
/** 409 `already_checked_in` (details.checked_in_at), 409 `ticket_void`, 404 `unknown_ticket`, 403 `forbidden`. */
export function checkIn(api: ApiClient, eventId: string, code: string): Promise<CheckInAnswer> {
  return api.request('POST', '/api/events/{id}/check-ins', { url: eventUrl(eventId, '/check-ins'), body: { code } });
}

export function checkInStats(api: ApiClient, eventId: string): Promise<CheckInStats> {
  return api.request('GET', '/api/events/{id}/check-ins/stats', { url: eventUrl(eventId, '/check-ins/stats') });
}

/** 404 when no account has the e-mail. */
export function addStaff(api: ApiClient, eventId: string, email: string): Promise<StaffMember> {
  return api.request('POST', '/api/events/{id}/staff', { url: eventUrl(eventId, '/staff'), body: { email } });
}

// --- exports
export function attendeesCsv(api: ApiClient, eventId: string): Promise<ApiFile> {
  return file(api, '/api/organizer/events/{id}/attendees.csv', `/api/organizer/events/${e(eventId)}/attendees.csv`, 'text/csv');
}

export function ordersCsv(api: ApiClient, eventId: string): Promise<ApiFile> {
  return file(api, '/api/organizer/events/{id}/orders.csv', `/api/organizer/events/${e(eventId)}/orders.csv`, 'text/csv');
}
