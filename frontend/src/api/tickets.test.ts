import { describe, expect, it, vi } from 'vitest';
import { ApiClient, MemoryTokenStore } from './client';
import { checkIn, holdTickets, listPromoCodes, ticketQrSvg, ticketsPdf, updateAttendees, updateTicketType } from './tickets';

type Answer = { status: number; body: string; type?: string; headers?: Record<string, string> };
type Call = { url: string; method: string; headers: Record<string, string>; body: unknown };

/** A fake server answering raw bodies per "METHOD path"; every request is recorded. */
function server(routes: Record<string, Answer>) {
  const calls: Call[] = [];
  const fetchImpl = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    calls.push({ url, method, headers: (init?.headers ?? {}) as Record<string, string>, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    const answer = routes[`${method} ${url}`] ?? { status: 404, body: JSON.stringify({ error: { code: 'not_found', message: 'No.', details: {} } }) };
    return new Response(answer.body, {
      status: answer.status,
      headers: { 'content-type': answer.type ?? 'application/json', ...(answer.headers ?? {}) },
    });
  });
  const api = new ApiClient({ fetch: fetchImpl as unknown as typeof fetch, tokens: new MemoryTokenStore() });
  api.tokens.set({ access_token: 'A', refresh_token: 'R', expires_at: Date.now() + 60_000 });
  return { api, calls };
}

const json = (status: number, body: unknown): Answer => ({ status, body: JSON.stringify(body) });

describe('the ticket routes', () => {
  it('holds lines with the caller’s Idempotency-Key and the queue pass', async () => {
    const { api, calls } = server({ 'POST /api/bookings': json(201, { id: 'b1', lines: [] }) });
    const body = { event_id: 'e1', lines: [{ ticket_type_id: 'vip', quantity: 2 }], promo_code: 'SPRING' };
    await expect(holdTickets(api, body, 'key-1', 'pass-1')).resolves.toMatchObject({ id: 'b1' });
    expect(calls[0].body).toEqual(body);
    expect(calls[0].headers).toMatchObject({ 'Idempotency-Key': 'key-1', 'Queue-Pass': 'pass-1', Authorization: 'Bearer A' });
  });

  it('renames the attendees with PUT and patches a ticket type', async () => {
    const { api, calls } = server({
      'PUT /api/bookings/b%201/attendees': json(200, { id: 'b 1' }),
      'PATCH /api/events/e1/ticket-types/t1': json(200, { id: 't1', quota: 5 }),
    });
    await updateAttendees(api, 'b 1', [{ name: 'Ann' }, {}]);
    await updateTicketType(api, 'e1', 't1', { quota: 5 });
    expect(calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ['PUT', '/api/bookings/b%201/attendees', { attendees: [{ name: 'Ann' }, {}] }],
      ['PATCH', '/api/events/e1/ticket-types/t1', { quota: 5 }],
    ]);
  });

  it('lists the promo codes from their page', async () => {
    const { api } = server({ 'GET /api/events/e1/promo-codes': json(200, { items: [{ id: 'p1', code: 'SPRING' }] }) });
    await expect(listPromoCodes(api, 'e1')).resolves.toEqual([{ id: 'p1', code: 'SPRING' }]);
  });

  it('reads a QR code as SVG text and the PDF as a blob with its file name, with the token', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"></svg>';
    const { api, calls } = server({
      'GET /api/tickets/t1/qr.svg': { status: 200, body: svg, type: 'image/svg+xml' },
      'GET /api/bookings/b1/tickets.pdf': {
        status: 200,
        body: '%PDF-1.4',
        type: 'application/pdf',
        headers: { 'content-disposition': 'inline; filename="tickets-b1.pdf"' },
      },
    });
    await expect(ticketQrSvg(api, 't1')).resolves.toBe(svg);
    const pdf = await ticketsPdf(api, 'b1');
    expect(await pdf.blob.text()).toBe('%PDF-1.4');
    expect(pdf.disposition).toBe('inline; filename="tickets-b1.pdf"');
    expect(calls.map((c) => [c.headers.Accept, c.headers.Authorization])).toEqual([
      ['image/svg+xml', 'Bearer A'],
      ['application/pdf', 'Bearer A'],
    ]);
  });

  it('turns a refused file or scan into the contract’s error', async () => {
    const { api } = server({
      'GET /api/bookings/b1/tickets.pdf': json(409, { error: { code: 'booking_not_confirmed', message: 'Not yet.', details: {} } }),
      'POST /api/events/e1/check-ins': json(409, {
        error: { code: 'already_checked_in', message: 'Checked in.', details: { checked_in_at: '2030-01-01T19:00:00Z' } },
      }),
    });
    await expect(ticketsPdf(api, 'b1')).rejects.toMatchObject({ status: 409, code: 'booking_not_confirmed' });
    await expect(checkIn(api, 'e1', 'CODE')).rejects.toMatchObject({
      code: 'already_checked_in',
      details: { checked_in_at: '2030-01-01T19:00:00Z' },
    });
  });
});
