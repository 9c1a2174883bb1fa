// The API's types, generated from the committed copy of the ingress's OpenAPI document (`make frontend-api`).
import type { components, paths } from './schema';

type Schemas = components['schemas'];
export type User = Schemas['UserRead'];
export type UserCreate = Schemas['UserCreate'];
export type TokenPair = Schemas['TokenPair'];
export type Event = Schemas['EventRead'];
export type EventCreate = Schemas['EventCreate'];
export type EventUpdate = Schemas['EventUpdate'];
export type EventPage = Schemas['EventPage'];
export type Booking = Schemas['BookingRead'];
export type BookingPage = Schemas['BookingPage'];
export type Payment = Schemas['PaymentRead'];
export type PaymentCreate = Schemas['PaymentCreate'];
/** The sandbox's card form (demo mode); with Stripe the body is `{payment_method}` from Stripe's card element. */
export type CardDetails = { card_number: string; exp_month: number; exp_year: number; cvc: string };
export type PaymentsConfig = Schemas['PaymentsConfigRead'];
export type Receipt = Schemas['ReceiptRead'];
export type QueueEntry = Schemas['QueueEntryRead'];
export type QueueStatus = Schemas['QueueStatus'];
export type WaitlistEntry = Schemas['WaitlistEntryRead'];
export type WaitlistJoin = Schemas['WaitlistJoin'];
export type OrganizerEvent = Schemas['OrganizerEventRead'];
export type OrganizerEventPage = Schemas['OrganizerEventPage'];
export type ErrorBody = Schemas['ErrorBody'];
export type Health = Schemas['HealthRead'];

/** `GET /api/config`: served by the ingress for the web app, outside the OpenAPI document (ingress/README.md). */
export interface AppConfig {
  demo: boolean;
}

/** A path of the OpenAPI document: the client cannot name a route the ingress does not serve. */
export type ApiPath = keyof paths | '/api/config';

export type EventFilters = NonNullable<paths['/api/events']['get']['parameters']['query']>;
