import { describe, expect, it, vi } from 'vitest';
import { ApiClient, MemoryTokenStore } from './client';
import { getQueue, getWaitlist, joinQueue, leaveQueue, parseRetryAfter } from './queue';

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

function client(answers: Answer[]) {
  const calls: Array<{ url: string; method: string; headers: Record<string, string> }> = [];
  const fetchImpl = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), method: init?.method ?? 'GET', headers: (init?.headers ?? {}) as Record<string, string> });
    const a = answers.shift() ?? { status: 500 };
    return new Response(a.body === undefined ? null : JSON.stringify(a.body), { status: a.status, headers: a.headers });
  });
  const api = new ApiClient({ fetch: fetchImpl as unknown as typeof fetch, tokens: new MemoryTokenStore() });
  api.tokens.set({ access_token: 'A', refresh_token: 'R', expires_at: Date.now() + 60_000 });
  return { api, calls };
}

const entry = { event_id: 'e1', status: 'waiting', position: 3, ahead: 2, estimated_wait_s: 40, admitted_until: null, pass: null };

describe('the waiting room routes', () => {
  it('reads Retry-After from a successful answer', async () => {
    const { api, calls } = client([{ status: 201, body: entry, headers: { 'Retry-After': '7' } }, { status: 200, body: entry }]);
    expect(await joinQueue(api, 'e1')).toEqual({ entry, retryAfter: 7 });
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/api/events/e1/queue' });
    expect(await getQueue(api, 'e1')).toEqual({ entry, retryAfter: null });
    expect(calls[1]).toMatchObject({ method: 'GET', url: '/api/events/e1/queue' });
  });

  it('leaves with a DELETE answered 204', async () => {
    const { api, calls } = client([{ status: 204 }]);
    await expect(leaveQueue(api, 'e1')).resolves.toBeUndefined();
    expect(calls[0].method).toBe('DELETE');
  });

  it('sends the pass as Queue-Pass with a hold, and no such header without one', async () => {
    const booking = { id: 'b1', status: 'pending' };
    const { api, calls } = client([{ status: 201, body: booking }, { status: 201, body: booking }]);
    await api.hold('e1', 2, 'key-1', 'PASS-123');
    await api.hold('e2', 1, 'key-2');
    expect(calls[0].headers).toMatchObject({ 'Queue-Pass': 'PASS-123', 'Idempotency-Key': 'key-1', Authorization: 'Bearer A' });
    expect(calls[1].headers['Queue-Pass']).toBeUndefined();
  });

  it('takes a 404 waiting list entry as none, and other errors as errors', async () => {
    const { api } = client([
      { status: 404, body: { error: { code: 'not_found', message: 'No.', details: {} } } },
      { status: 503, body: { error: { code: 'unavailable', message: 'Busy.', details: {} } }, headers: { 'Retry-After': '3' } },
    ]);
    expect(await getWaitlist(api, 'e1')).toBeNull();
    await expect(getWaitlist(api, 'e1')).rejects.toMatchObject({ code: 'unavailable', retryAfter: 3 });
  });
});

describe('Retry-After', () => {
  it('is seconds, or an HTTP date, or nothing', () => {
    const now = Date.parse('2030-01-01T10:00:00Z');
    expect(parseRetryAfter('12', now)).toBe(12);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1.5);
    expect(parseRetryAfter('Tue, 01 Jan 2030 10:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Tue, 01 Jan 2030 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});
