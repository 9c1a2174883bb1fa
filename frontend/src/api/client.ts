// A small typed client of the HTTP contract (shared/API.md): error bodies, tokens with refresh, idempotency keys.
import type {
  ApiPath,
  AppConfig,
  Booking,
  BookingPage,
  Event,
  EventCreate,
  EventFilters,
  EventPage,
  EventUpdate,
  OrganizerEventPage,
  PaymentCreate,
  PaymentsConfig,
  Receipt,
  TokenPair,
  User,
  UserCreate,
} from './types';
import { ApiError, toApiError } from './errors';
import { MemoryTokenStore, type StoredTokens, type TokenStore } from './tokens';

export { ApiError, toApiError } from './errors';
export { LocalTokenStore, MemoryTokenStore, type StoredTokens, type TokenStore } from './tokens';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Query = Record<string, string | number | undefined | null>;

interface RequestOptions {
  body?: unknown;
  query?: Query;
  /** `required`: send the token (refreshing it when needed); `optional`: send it if there is one; `none`. */
  auth?: 'required' | 'optional' | 'none';
  idempotencyKey?: string;
  /** Concrete path for a templated ApiPath, e.g. `/api/events/abc` for `/api/events/{id}`. */
  url?: string;
  /** Extra request headers (e.g. `Queue-Pass`). */
  headers?: Record<string, string>;
  /** Sees the headers of every answer (e.g. `Retry-After` on a 200, which the body does not carry). */
  onHeaders?: (headers: Headers) => void;
  /** How a 2xx body is read: JSON (the default), text (an SVG, a CSV) or a Blob (a PDF). Errors are JSON either way. */
  responseType?: 'json' | 'text' | 'blob';
}

export interface ClientOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  tokens?: TokenStore;
  now?: () => number;
  /** Called whenever the tokens change (login, refresh, logout, or a refresh that failed). */
  onTokens?: (tokens: StoredTokens | null) => void;
}

const EXPIRY_MARGIN_MS = 15_000;

export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (c && 'randomUUID' in c) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  readonly tokens: TokenStore;
  private readonly now: () => number;
  private readonly onTokens?: (tokens: StoredTokens | null) => void;
  private refreshing: Promise<boolean> | null = null;

  constructor(options: ClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? '';
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.tokens = options.tokens ?? new MemoryTokenStore();
    this.now = options.now ?? Date.now;
    this.onTokens = options.onTokens;
  }

  get loggedIn(): boolean {
    return this.tokens.get() !== null;
  }

  private storeTokens(pair: TokenPair | null): void {
    const stored = pair
      ? {
          access_token: pair.access_token,
          refresh_token: pair.refresh_token,
          expires_at: this.now() + pair.expires_in * 1000 - EXPIRY_MARGIN_MS,
        }
      : null;
    this.tokens.set(stored);
    this.onTokens?.(stored);
  }

  /** One refresh at a time: concurrent 401s wait for the same refresh. False when the session is gone. */
  private refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = (async () => {
        const current = this.tokens.get();
        if (!current) return false;
        try {
          const pair = await this.send<TokenPair>('POST', '/api/auth/refresh', {
            body: { refresh_token: current.refresh_token },
            auth: 'none',
          });
          this.storeTokens(pair);
          return true;
        } catch (error) {
          if (error instanceof ApiError && (error.status === 401 || error.status === 403 || error.status === 422)) {
            this.storeTokens(null); // the refresh token is no good: the session is over
          }
          return false;
        }
      })().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async send<T>(method: Method, path: ApiPath, options: RequestOptions, token?: string): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
    let url = this.baseUrl + (options.url ?? path);
    const query = Object.entries(options.query ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== '');
    if (query.length) url += `?${new URLSearchParams(query.map(([k, v]) => [k, String(v)])).toString()}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch {
      throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
    }
    options.onHeaders?.(response.headers);
    if (response.status === 204) return undefined as T;
    if (response.ok && options.responseType === 'blob') return (await response.blob()) as T;
    const text = await response.text();
    if (response.ok && options.responseType === 'text') return text as T;
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!response.ok) throw toApiError(response.status, body, response.headers.get('Retry-After'));
    return body as T;
  }

  /** A request; with a token, a stale access token is refreshed first, and a 401 refreshes once then retries. */
  async request<T>(method: Method, path: ApiPath, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? 'required';
    if (auth === 'none') return this.send<T>(method, path, options);
    let tokens = this.tokens.get();
    if (!tokens) {
      if (auth === 'optional') return this.send<T>(method, path, options);
      throw new ApiError(401, 'unauthenticated', 'Please log in.');
    }
    if (tokens.expires_at <= this.now() && (await this.refresh())) tokens = this.tokens.get();
    try {
      return await this.send<T>(method, path, options, tokens?.access_token);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401 || !this.tokens.get()) throw error;
      if (!(await this.refresh())) {
        if (auth === 'optional') return this.send<T>(method, path, options);
        throw error;
      }
      return this.send<T>(method, path, options, this.tokens.get()?.access_token);
    }
  }

  // --- auth
  async login(email: string, password: string): Promise<void> {
    const pair = await this.send<TokenPair>('POST', '/api/auth/login', { body: { email, password }, auth: 'none' });
    this.storeTokens(pair);
  }
  register(body: UserCreate): Promise<User> {
    return this.send<User>('POST', '/api/auth/register', { body, auth: 'none' });
  }
  me(): Promise<User> {
    return this.request<User>('GET', '/api/auth/me');
  }
  /** Revoke the session on the server (best effort) and forget the tokens either way. */
  async logout(): Promise<void> {
    const tokens = this.tokens.get();
    this.storeTokens(null);
    if (!tokens) return;
    try {
      await this.send<void>('POST', '/api/auth/logout', { body: { refresh_token: tokens.refresh_token } }, tokens.access_token);
    } catch {
      /* the tokens are gone locally; an expired session is fine */
    }
  }

  // --- config
  config(): Promise<AppConfig> {
    return this.send<AppConfig>('GET', '/api/config', { auth: 'none' });
  }
  paymentsConfig(): Promise<PaymentsConfig> {
    return this.request<PaymentsConfig>('GET', '/api/payments/config', { auth: 'none' });
  }

  // --- catalog
  listEvents(filters: EventFilters = {}): Promise<EventPage> {
    return this.request<EventPage>('GET', '/api/events', { query: filters as Query, auth: 'optional' });
  }
  getEvent(id: string): Promise<Event> {
    return this.request<Event>('GET', '/api/events/{id}', { url: `/api/events/${encodeURIComponent(id)}`, auth: 'optional' });
  }
  createEvent(body: EventCreate): Promise<Event> {
    return this.request<Event>('POST', '/api/events', { body });
  }
  updateEvent(id: string, body: EventUpdate): Promise<Event> {
    return this.request<Event>('PATCH', '/api/events/{id}', { url: `/api/events/${encodeURIComponent(id)}`, body });
  }
  cancelEvent(id: string): Promise<Event> {
    return this.request<Event>('POST', '/api/events/{id}/cancel', { url: `/api/events/${encodeURIComponent(id)}/cancel` });
  }
  organizerEvents(cursor?: string | null, limit = 100): Promise<OrganizerEventPage> {
    return this.request<OrganizerEventPage>('GET', '/api/organizer/events', { query: { cursor, limit } });
  }

  // --- bookings (hold and pay take the caller's Idempotency-Key: a retry must send the same one)
  /** A hold; for a waiting-room event, `pass` is the admitted queue entry's pass (sent as `Queue-Pass`). */
  hold(eventId: string, quantity: number, idempotencyKey: string, pass?: string | null): Promise<Booking> {
    const headers = pass ? { 'Queue-Pass': pass } : undefined;
    return this.request<Booking>('POST', '/api/bookings', { body: { event_id: eventId, quantity }, idempotencyKey, headers });
  }
  pay(bookingId: string, card: PaymentCreate, idempotencyKey: string): Promise<Booking> {
    return this.request<Booking>('POST', '/api/bookings/{id}/pay', {
      url: `/api/bookings/${encodeURIComponent(bookingId)}/pay`,
      body: card,
      idempotencyKey,
    });
  }
  cancelBooking(id: string): Promise<Booking> {
    return this.request<Booking>('POST', '/api/bookings/{id}/cancel', {
      url: `/api/bookings/${encodeURIComponent(id)}/cancel`,
    });
  }
  listBookings(cursor?: string | null, limit = 50): Promise<BookingPage> {
    return this.request<BookingPage>('GET', '/api/bookings', { query: { cursor, limit } });
  }
  getBooking(id: string): Promise<Booking> {
    return this.request<Booking>('GET', '/api/bookings/{id}', { url: `/api/bookings/${encodeURIComponent(id)}` });
  }
  receipt(id: string): Promise<Receipt> {
    return this.request<Receipt>('GET', '/api/bookings/{id}/receipt', {
      url: `/api/bookings/${encodeURIComponent(id)}/receipt`,
    });
  }
}
