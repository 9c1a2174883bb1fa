import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, MemoryTokenStore, toApiError } from './client';

type Call = { url: string; method: string; headers: Record<string, string>; body: unknown };

/** A fake server: answers are queued per "METHOD path"; every request is recorded. */
function fakeServer(routes: Record<string, Array<{ status: number; body?: unknown; headers?: Record<string, string> }>>) {
  const calls: Call[] = [];
  const fetchImpl = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push({ url, method, headers, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    const queue = routes[`${method} ${url.split('?')[0]}`];
    const answer = queue?.length ? (queue.length > 1 ? queue.shift()! : queue[0]) : { status: 404, body: { error: { code: 'not_found', message: 'No such resource.', details: {} } } };
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/json', ...(answer.headers ?? {}) },
    });
  });
  return { calls, fetch: fetchImpl as unknown as typeof fetch };
}

const tokens = (access: string, refresh: string, expiresIn = 900) => ({
  access_token: access,
  refresh_token: refresh,
  token_type: 'bearer',
  expires_in: expiresIn,
});

const booking = { id: 'b1', status: 'pending', quantity: 2 };

describe('error body mapping', () => {
  it('maps the contract error body to an ApiError with status, code, message and details', () => {
    const error = toApiError(409, { error: { code: 'sold_out', message: 'Only 3 seats are left.', details: { left: 3 } } });
    expect(error).toBeInstanceOf(ApiError);
    expect([error.status, error.code, error.message, error.details]).toEqual([409, 'sold_out', 'Only 3 seats are left.', { left: 3 }]);
  });

  it('falls back to a code fitting the status when the body is not the contract body', () => {
    expect(toApiError(504, null).code).toBe('timeout');
    expect(toApiError(503, '<html>', '7')).toMatchObject({ code: 'unavailable', retryAfter: 7 });
    expect(toApiError(500, { detail: 'x' }).code).toBe('internal');
    expect(toApiError(418, undefined).code).toBe('bad_request');
  });

  it('exposes the fields of a validation error', () => {
    const error = toApiError(422, {
      error: { code: 'validation_error', message: 'Some fields are not valid.', details: { fields: { quantity: 'too big' } } },
    });
    expect(error.fields).toEqual({ quantity: 'too big' });
  });

  it('throws the mapped error from a request, and a network error when fetch fails', async () => {
    const server = fakeServer({
      'POST /api/bookings/b1/pay': [{ status: 402, body: { error: { code: 'card_declined', message: 'Declined.', details: {} } } }],
    });
    const client = new ApiClient({ fetch: server.fetch, tokens: new MemoryTokenStore() });
    client.tokens.set({ access_token: 'A', refresh_token: 'R', expires_at: Date.now() + 60_000 });
    await expect(client.pay('b1', { card_number: '4000 0000 0000 0002', exp_month: 1, exp_year: 2031, cvc: '123' }, 'k')).rejects.toMatchObject({
      status: 402,
      code: 'card_declined',
    });
    const offline = new ApiClient({ fetch: (() => Promise.reject(new TypeError('offline'))) as unknown as typeof fetch });
    await expect(offline.listEvents()).rejects.toMatchObject({ status: 0, code: 'network' });
  });
});

describe('tokens', () => {
  it('login stores both tokens and sends the access token as a bearer', async () => {
    const server = fakeServer({
      'POST /api/auth/login': [{ status: 200, body: tokens('A1', 'R1') }],
      'GET /api/auth/me': [{ status: 200, body: { id: 'u', email: 'a@b.c', name: 'A', role: 'customer' } }],
    });
    const client = new ApiClient({ fetch: server.fetch });
    await client.login('a@b.c', 'pw');
    expect(client.tokens.get()).toMatchObject({ access_token: 'A1', refresh_token: 'R1' });
    await client.me();
    expect(server.calls[1].headers.Authorization).toBe('Bearer A1');
  });

  it('on 401 refreshes once, then retries the request with the new access token', async () => {
    const server = fakeServer({
      'POST /api/auth/login': [{ status: 200, body: tokens('A1', 'R1') }],
      'GET /api/auth/me': [
        { status: 401, body: { error: { code: 'unauthenticated', message: 'expired', details: {} } } },
        { status: 200, body: { id: 'u', email: 'a@b.c', name: 'A', role: 'customer' } },
      ],
      'POST /api/auth/refresh': [{ status: 200, body: tokens('A2', 'R2') }],
    });
    const seen: Array<string | undefined> = [];
    const client = new ApiClient({ fetch: server.fetch, onTokens: (t) => seen.push(t?.access_token) });
    await client.login('a@b.c', 'pw');
    await expect(client.me()).resolves.toMatchObject({ email: 'a@b.c' });
    const paths = server.calls.map((c) => `${c.method} ${c.url}`);
    expect(paths).toEqual(['POST /api/auth/login', 'GET /api/auth/me', 'POST /api/auth/refresh', 'GET /api/auth/me']);
    expect(server.calls[2].body).toEqual({ refresh_token: 'R1' });
    expect(server.calls[3].headers.Authorization).toBe('Bearer A2');
    expect(seen).toEqual(['A1', 'A2']);
  });

  it('refreshes before the request when the access token has expired, and only once for parallel requests', async () => {
    let now = 1_000_000;
    const server = fakeServer({
      'POST /api/auth/login': [{ status: 200, body: tokens('A1', 'R1', 60) }],
      'POST /api/auth/refresh': [{ status: 200, body: tokens('A2', 'R2', 60) }],
      'GET /api/bookings': [{ status: 200, body: { items: [], next_cursor: null } }],
    });
    const client = new ApiClient({ fetch: server.fetch, now: () => now });
    await client.login('a@b.c', 'pw');
    now += 61_000;
    await Promise.all([client.listBookings(), client.listBookings()]);
    expect(server.calls.filter((c) => c.url === '/api/auth/refresh')).toHaveLength(1);
    expect(server.calls.filter((c) => c.url.startsWith('/api/bookings')).map((c) => c.headers.Authorization)).toEqual([
      'Bearer A2',
      'Bearer A2',
    ]);
  });

  it('gives up after one refresh: a refused refresh token ends the session and the 401 is thrown', async () => {
    const unauthenticated = { status: 401, body: { error: { code: 'unauthenticated', message: 'no', details: {} } } };
    const server = fakeServer({
      'POST /api/auth/login': [{ status: 200, body: tokens('A1', 'R1') }],
      'GET /api/auth/me': [unauthenticated],
      'POST /api/auth/refresh': [unauthenticated],
    });
    const client = new ApiClient({ fetch: server.fetch });
    await client.login('a@b.c', 'pw');
    await expect(client.me()).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(server.calls.filter((c) => c.url === '/api/auth/me')).toHaveLength(1);
    expect(server.calls.filter((c) => c.url === '/api/auth/refresh')).toHaveLength(1);
    expect(client.tokens.get()).toBeNull();
  });

  it('logout calls /api/auth/logout with the refresh token and clears the tokens', async () => {
    const server = fakeServer({
      'POST /api/auth/login': [{ status: 200, body: tokens('A1', 'R1') }],
      'POST /api/auth/logout': [{ status: 204 }],
    });
    const client = new ApiClient({ fetch: server.fetch });
    await client.login('a@b.c', 'pw');
    await client.logout();
    expect(server.calls[1]).toMatchObject({ method: 'POST', url: '/api/auth/logout', body: { refresh_token: 'R1' } });
    expect(server.calls[1].headers.Authorization).toBe('Bearer A1');
    expect(client.tokens.get()).toBeNull();
  });
});

describe('idempotency keys', () => {
  it('hold and pay send the caller’s Idempotency-Key; a retry after a 504 reuses the same key and body', async () => {
    const server = fakeServer({
      'POST /api/auth/login': [{ status: 200, body: tokens('A1', 'R1') }],
      'POST /api/bookings': [{ status: 201, body: booking }],
      'POST /api/bookings/b1/pay': [
        { status: 504, body: { error: { code: 'timeout', message: 'The payment gateway did not answer in time.', details: {} } } },
        { status: 200, body: { ...booking, status: 'confirmed' } },
      ],
    });
    const client = new ApiClient({ fetch: server.fetch });
    await client.login('a@b.c', 'pw');
    await client.hold('e1', 2, 'hold-key');
    const card = { card_number: '4242 4242 4242 4242', exp_month: 12, exp_year: 2031, cvc: '123' };
    const first = await client.pay('b1', card, 'pay-key').catch((e: unknown) => e);
    expect(first).toMatchObject({ status: 504, code: 'timeout' });
    await expect(client.pay('b1', card, 'pay-key')).resolves.toMatchObject({ status: 'confirmed' });
    const pays = server.calls.filter((c) => c.url === '/api/bookings/b1/pay');
    expect(pays.map((c) => c.headers['Idempotency-Key'])).toEqual(['pay-key', 'pay-key']);
    expect(pays[0].body).toEqual(pays[1].body);
    expect(server.calls[1].headers['Idempotency-Key']).toBe('hold-key');
  });

  it('a retry after a token refresh keeps the Idempotency-Key', async () => {
    const server = fakeServer({
      'POST /api/auth/login': [{ status: 200, body: tokens('A1', 'R1') }],
      'POST /api/bookings': [
        { status: 401, body: { error: { code: 'unauthenticated', message: 'expired', details: {} } } },
        { status: 201, body: booking },
      ],
      'POST /api/auth/refresh': [{ status: 200, body: tokens('A2', 'R2') }],
    });
    const client = new ApiClient({ fetch: server.fetch });
    await client.login('a@b.c', 'pw');
    await client.hold('e1', 2, 'hold-key');
    const holds = server.calls.filter((c) => c.url === '/api/bookings');
    expect(holds.map((c) => [c.headers.Authorization, c.headers['Idempotency-Key']])).toEqual([
      ['Bearer A1', 'hold-key'],
      ['Bearer A2', 'hold-key'],
    ]);
  });

  it('public routes work without a token and query parameters skip empty filters', async () => {
    const server = fakeServer({ 'GET /api/events': [{ status: 200, body: { items: [], next_cursor: null } }] });
    const client = new ApiClient({ fetch: server.fetch });
    await client.listEvents({ q: 'jazz', category: '', venue: undefined, limit: 20 });
    expect(server.calls[0].url).toBe('/api/events?q=jazz&limit=20');
    expect(server.calls[0].headers.Authorization).toBeUndefined();
  });
});
