// The waiting-room journey: the organizer sets up a sale that opens in a few seconds behind a waiting room; a new
// customer queues before the opening, gets a place in the draw, is admitted, holds with the pass and pays.
import {
  GOOD,
  TIMEOUT,
  check,
  fillEvent,
  h1HasFocus,
  login,
  newPage,
  pay,
  register,
  shot,
  step,
  unique,
} from './helpers.mjs';

/** Seconds between creating the event and the opening of its sale: the customer must join before then. */
const SALE_DELAY_S = Number(process.env.QUEUE_SALE_DELAY_S ?? 25);
/** How long after the opening the customer may wait to be admitted (the platform admits at its own pace). */
const ADMIT_TIMEOUT_MS = Number(process.env.QUEUE_ADMIT_TIMEOUT_MS ?? 120_000);
const PER_BUYER = 2;

/** A datetime-local value (the browser runs in UTC) with non-zero seconds: Chromium drops `:00`, which `fill` refuses. */
function localInput(date) {
  const at = date.getUTCSeconds() === 0 ? new Date(date.getTime() + 1000) : date;
  return at.toISOString().slice(0, 19);
}

export async function waitingRoomJourney(browser) {
  const organizer = await newPage(browser);
  const buyer = await newPage(browser);
  const title = `Queue Night ${unique}`;
  const account = { name: `Quinn ${unique}`, email: `quinn-${unique}@example.org`, password: 'correct horse battery' };
  let eventId = '';
  let opensAt = 0;

  // Registered first, so that the event's opening is only seconds after the customer can queue.
  await step('a new customer registers to queue for a waiting-room sale', async () => {
    await register(buyer, account.name, account.email, account.password);
  });

  await step(`the organizer creates a waiting-room event, sale opening in ${SALE_DELAY_S} s, ${PER_BUYER} seats per buyer`, async () => {
    await login(organizer, 'organizer@example.com', 'organizer-pass-123');
    await organizer.goto('/organizer/events/new');
    await h1HasFocus(organizer, 'New event');
    const description = 'A sale behind a waiting room, made by the browser tests.';
    await fillEvent(organizer, { title, description, venue: 'Queue Hall', capacity: 40, price: '20.00' });
    opensAt = Date.now() + SALE_DELAY_S * 1000;
    await organizer.getByLabel('Sale opens').fill(localInput(new Date(opensAt)));
    await organizer.getByLabel('Seats per buyer').fill(String(PER_BUYER));
    await organizer.getByLabel('Waiting room').check();
    check(await organizer.getByLabel('Waiting room').isChecked(), 'the waiting room box is ticked');
    await shot(organizer, '19-waiting-room-editor');
    await organizer.getByRole('button', { name: 'Create event' }).click();
    await organizer.waitForURL(/\/organizer$/);
    const row = organizer.getByTestId('organizer-row').filter({ hasText: title });
    await row.waitFor();
    eventId = ((await row.getByRole('link', { name: title, exact: true }).getAttribute('href')) ?? '').split('/').pop() ?? '';
    check(eventId.length > 0, 'the new event has an id');
  });

  await step('before the sale the event page offers the queue, not the Book form; joining says the order is drawn', async () => {
    await buyer.goto(`/events/${eventId}`);
    await h1HasFocus(buyer, title);
    check(Date.now() < opensAt - 2000, `the sale opened before the customer could join: raise QUEUE_SALE_DELAY_S (${SALE_DELAY_S})`);
    await buyer.getByTestId('sale-opens').waitFor();
    await buyer.getByTestId('waiting-room').waitFor();
    check((await buyer.getByTestId('max-per-buyer').textContent()) === `${PER_BUYER} seats per buyer`, 'the limit is shown');
    check((await buyer.getByRole('button', { name: /^Hold / }).count()) === 0, 'no direct hold on a waiting-room event');
    await buyer.getByRole('button', { name: 'Join the queue' }).click();
    await buyer.waitForURL((url) => url.pathname === `/events/${eventId}/queue`);
    await h1HasFocus(buyer, 'Waiting room');
    const before = buyer.getByTestId('queue-before-sale');
    await before.waitFor();
    check(/drawn when the sale opens/.test((await before.textContent()) ?? ''), 'the order is drawn when the sale opens');
    check((await buyer.getByTestId('queue-position').count()) === 0, 'no position before the draw');
    await shot(buyer, '20-queue-before-sale');
  });

  let position = null;
  await step('when the sale opens the customer gets a place in the queue, then is admitted', async () => {
    // Either screen shows the place: the waiting one (with the progress bar) or, for a short moment, the admitted one.
    const deadline = Math.max(0, opensAt - Date.now()) + ADMIT_TIMEOUT_MS;
    await buyer.waitForFunction(
      () => document.querySelector('[data-testid=queue-position], [data-testid=queue-admitted]') || location.pathname.endsWith('/checkout'),
      null,
      { timeout: deadline, polling: 100 },
    );
    if (await buyer.getByTestId('queue-progress').isVisible().catch(() => false)) {
      position = Number(await buyer.getByTestId('queue-position').textContent());
      check(position >= 1, `a position: ${position}`);
      check(/\d+/.test((await buyer.getByTestId('queue-ahead').textContent()) ?? ''), 'the people ahead are shown');
      await shot(buyer, '20-queue-waiting');
      await buyer.waitForFunction(
        () => document.querySelector('[data-testid=queue-admitted]') || location.pathname.endsWith('/checkout'),
        null,
        { timeout: ADMIT_TIMEOUT_MS, polling: 100 },
      );
    }
    const admitted = buyer.getByTestId('queue-admitted');
    if (await admitted.isVisible().catch(() => false)) {
      const shown = await admitted.getByTestId('queue-position').textContent().catch(() => null);
      if (shown) position = Number(shown);
      await shot(buyer, '21-queue-admitted').catch(() => undefined); // it moves on by itself: a shot may miss it
    }
    if (position === null) console.log('# the customer was admitted before a place could be shown');
    else check(position >= 1, `the place in the queue: ${position}`);
  });

  await step('admitted, the customer lands on checkout by itself, holds with the pass and pays', async () => {
    await buyer.waitForURL((url) => url.pathname === `/events/${eventId}/checkout`, { timeout: TIMEOUT });
    await h1HasFocus(buyer, 'Checkout');
    await buyer.getByTestId('pass-countdown').waitFor();
    const pass = await buyer.evaluate((id) => sessionStorage.getItem(`eventbook.queue.pass.${id}`), eventId);
    check(pass !== null && JSON.parse(pass).pass, 'the pass is kept in sessionStorage');
    await buyer.getByRole('button', { name: 'One seat more' }).click();
    check(await buyer.getByRole('button', { name: 'One seat more' }).isDisabled(), `the picker stops at ${PER_BUYER} per buyer`);
    await shot(buyer, '22-queue-checkout');
    const holdRequest = buyer.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/bookings');
    await buyer.getByRole('button', { name: `Hold ${PER_BUYER} seats` }).click();
    check(!!(await holdRequest).headers()['queue-pass'], 'the hold carries Queue-Pass');
    await buyer.waitForURL((url) => url.pathname.startsWith('/checkout/'));
    await buyer.getByTestId('countdown').waitFor();
    await pay(buyer, GOOD);
    await buyer.getByTestId('confirmed').waitFor();
    await shot(buyer, '23-queue-confirmed');
  });

  await step('my bookings shows the confirmed booking of the waiting-room event', async () => {
    await buyer.getByRole('link', { name: 'My bookings', exact: true }).first().click();
    const booking = buyer.getByTestId('booking').filter({ hasText: title });
    await booking.waitFor();
    check((await booking.getAttribute('data-status')) === 'confirmed', 'the booking is confirmed');
    check(((await booking.textContent()) ?? '').includes(`${PER_BUYER} seats`), `for ${PER_BUYER} seats`);
  });
  await Promise.all([buyer.context().close(), organizer.context().close()]);
}
