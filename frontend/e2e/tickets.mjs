// The tickets journey: the organizer adds two ticket types and a promo code to a new event in the web app; a new
// customer buys one of each with the code, naming the attendees, pays, and sees the tickets with their QR codes;
// at the door (a phone) the organizer checks one ticket in by its code — green — and a second scan is refused — red.
import {
  GOOD,
  PHONE,
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

const ORGANIZER = { email: 'organizer@example.com', password: 'organizer-pass-123' };
const PROMO = 'SPRING20';

/** Fill the "Add a ticket type" form and wait for the new type in the list. */
async function addType(page, { name, price, quota, maxPerOrder }) {
  const form = page.getByRole('form', { name: 'Add a ticket type' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Price').fill(price);
  await form.getByLabel('Quota').fill(quota);
  if (maxPerOrder) await form.getByLabel('Max per order').fill(maxPerOrder);
  await form.getByRole('button', { name: 'Add type' }).click();
  await page.getByTestId('ticket-type-row').filter({ hasText: name }).waitFor();
  // The form is emptied for the next type.
  await page.waitForFunction(() => document.getElementById('new-type-name')?.value === '');
}

export async function ticketsJourney(browser) {
  const organizer = await newPage(browser);
  const buyer = await newPage(browser);
  const title = `Ticket Tiers ${unique}`;
  const customer = { name: `Tess ${unique}`, email: `tess-${unique}@example.org`, password: 'correct horse battery' };
  let eventId = '';

  await step('the organizer creates an event and opens its tickets page', async () => {
    await login(organizer, ORGANIZER.email, ORGANIZER.password);
    await organizer.goto('/organizer/events/new');
    await h1HasFocus(organizer, 'New event');
    const description = 'Several kinds of tickets, made by the browser tests.';
    await fillEvent(organizer, { title, description, venue: 'Tier Hall', capacity: 20, price: '20.00' });
    await organizer.getByRole('button', { name: 'Create event' }).click();
    await organizer.waitForURL(/\/organizer$/);
    const row = organizer.getByTestId('organizer-row').filter({ hasText: title });
    await row.waitFor();
    eventId = ((await row.getByRole('link', { name: title, exact: true }).getAttribute('href')) ?? '').split('/').pop() ?? '';
    check(eventId.length > 0, 'the new event has an id');
    await row.getByRole('link', { name: `Tickets of ${title}` }).click();
    await organizer.waitForURL((url) => url.pathname === `/organizer/events/${eventId}/tickets`);
    await h1HasFocus(organizer, `Tickets: ${title}`);
    // An event made without types has one, "General admission", at its price and capacity.
    await organizer.getByTestId('ticket-type-row').filter({ hasText: 'General admission' }).waitFor();
  });

  await step('adds two ticket types, and edits the quota of one', async () => {
    await addType(organizer, { name: 'Early bird', price: '15.00', quota: '5' });
    await addType(organizer, { name: 'VIP', price: '60.00', quota: '3', maxPerOrder: '2' });
    const early = organizer.getByTestId('ticket-type-row').filter({ hasText: 'Early bird' });
    await early.getByRole('button', { name: 'Edit Early bird' }).click();
    const edit = organizer.getByRole('form', { name: 'Edit Early bird' });
    await edit.getByLabel('Quota').fill('6');
    await edit.getByRole('button', { name: 'Save type' }).click();
    await early.getByTestId('type-available').getByText('6 available / 6 quota').waitFor();
    const vip = organizer.getByTestId('ticket-type-row').filter({ hasText: 'VIP' });
    check(/at most 2 per order/.test((await vip.textContent()) ?? ''), 'the VIP limit per order is shown');
    await shot(organizer, '20-ticket-types');
  });

  await step(`creates the promo code ${PROMO}: 20 % off, for those two types, 10 uses`, async () => {
    const form = organizer.getByRole('form', { name: 'Create a promo code' });
    await form.getByLabel('Code', { exact: true }).fill(PROMO);
    await form.getByLabel('Max uses').fill('10');
    await form.getByLabel('Percent off').check();
    await form.getByLabel('Percent (1–100)').fill('20');
    await form.getByLabel('Early bird', { exact: true }).check();
    await form.getByLabel('VIP', { exact: true }).check();
    await form.getByRole('button', { name: 'Create code' }).click();
    const code = organizer.getByTestId('promo-code-row').filter({ hasText: PROMO });
    await code.waitFor();
    check((await code.getByTestId('promo-uses').textContent()) === '0 / 10 used', 'the code is unused, 10 uses');
    check(/Early bird, VIP/.test((await code.textContent()) ?? ''), 'the code is for Early bird and VIP');
  });

  await step('a customer picks one Early bird and one VIP, enters the code and names both attendees', async () => {
    await register(buyer, customer.name, customer.email, customer.password);
    await buyer.goto(`/events/${eventId}`);
    await h1HasFocus(buyer, title);
    check((await buyer.getByTestId('ticket-type').count()) === 3, 'the three types are offered');
    await buyer.getByRole('button', { name: 'One Early bird more' }).click();
    await buyer.getByRole('button', { name: 'One VIP more' }).click();
    await buyer.getByRole('button', { name: 'One VIP more' }).click();
    check(await buyer.getByRole('button', { name: 'One VIP more' }).isDisabled(), 'VIP stops at 2 per order');
    await buyer.getByRole('button', { name: 'One VIP fewer' }).click();
    check((await buyer.getByRole('spinbutton', { name: 'VIP' }).inputValue()) === '1', 'one VIP');
    check((await buyer.getByTestId('hold-total').textContent()) === '€75.00', 'the total before the code is €75.00');
    await buyer.getByLabel('Promo code').fill(PROMO.toLowerCase()); // codes are case-insensitive
    await buyer.getByText('Names on the tickets (optional)').click();
    await buyer.getByLabel('Seat 1 Name').fill('Grace Hopper');
    await buyer.getByLabel('Seat 2 Name').fill('Alan Turing');
    await buyer.getByLabel('Seat 2 E-mail').fill(`alan-${unique}@example.org`);
  });

  await step('holds, sees the lines, the discount and the total, and pays', async () => {
    await buyer.getByRole('button', { name: 'Hold 2 seats' }).click();
    await buyer.waitForURL(/\/checkout\//);
    await buyer.getByTestId('countdown').waitFor();
    check((await buyer.getByTestId('order-line').count()) === 2, 'two lines');
    check(((await buyer.getByTestId('discount').textContent()) ?? '').includes('€15.00'), '20 % of €75.00 off');
    check((await buyer.getByTestId('amount').textContent()) === '€60.00', 'the total after the code is €60.00');
    await pay(buyer, GOOD);
    await buyer.getByTestId('confirmed').waitFor();
  });

  let code = '';
  await step('my bookings shows both tickets, named, with their QR codes and the PDF', async () => {
    await buyer.getByRole('link', { name: 'My bookings', exact: true }).first().click();
    const booking = buyer.getByTestId('booking').filter({ hasText: title });
    await booking.waitFor();
    check((await booking.getAttribute('data-status')) === 'confirmed', 'the booking is confirmed');
    await booking.getByTestId('ticket').nth(1).waitFor();
    check((await booking.getByTestId('ticket').count()) === 2, 'two tickets');
    const names = await booking.getByTestId('ticket-attendee').allTextContents();
    check(names.includes('Grace Hopper') && names.includes('Alan Turing'), `the attendees are named: ${names.join(', ')}`);
    await booking.getByTestId('ticket-qr').nth(1).waitFor();
    await buyer.waitForFunction(() => {
      const images = [...document.querySelectorAll('[data-testid=ticket-qr]')];
      return images.length >= 2 && images.every((img) => img.complete && img.naturalWidth > 0);
    });
    const grace = booking.getByTestId('ticket').filter({ hasText: 'Grace Hopper' });
    check(((await grace.textContent()) ?? '').includes('Early bird'), 'Grace has the Early bird ticket');
    code = ((await grace.getByTestId('ticket-code').textContent()) ?? '').trim();
    check(code.length > 0, 'the ticket shows its code');
    const download = buyer.waitForEvent('download');
    await booking.getByRole('button', { name: 'Download tickets (PDF)' }).click();
    check((await download).suggestedFilename().endsWith('.pdf'), 'the tickets download as a PDF');
    await shot(buyer, '21-tickets');
  });

  const door = await newPage(browser, PHONE);
  await step('at the door (a phone) the organizer checks the ticket in by its code: green', async () => {
    await login(door, ORGANIZER.email, ORGANIZER.password);
    await door.goto(`/organizer/events/${eventId}/tickets`);
    await door.getByTestId('check-in-link').click();
    await door.waitForURL((url) => url.pathname === `/events/${eventId}/check-in`);
    await h1HasFocus(door, `Check-in: ${title}`);
    await door.getByTestId('checked-in-count').getByText('0 / 2').waitFor();
    await door.getByLabel('Ticket code').fill(code);
    await door.getByRole('button', { name: 'Check in' }).click();
    const ok = door.locator('[data-testid=check-in-result][data-result=ok]');
    await ok.waitFor();
    check(((await ok.textContent()) ?? '').includes('Checked in: Grace Hopper (Early bird)'), 'the answer names the attendee');
    check(await door.evaluate(() => document.activeElement?.id === 'check-in-code'), 'the code field has the focus again');
    check((await door.getByLabel('Ticket code').inputValue()) === '', 'the code field is cleared');
    await door.getByTestId('checked-in-count').getByText('1 / 2').waitFor();
    const overflow = await door.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `no horizontal scrolling at phone width (${overflow}px)`);
    await shot(door, '22-check-in-ok', false);
  });

  await step('the same ticket scanned again is refused: already checked in, red', async () => {
    await door.getByLabel('Ticket code').fill(code);
    await door.getByLabel('Ticket code').press('Enter');
    const again = door.locator('[data-testid=check-in-result][data-result=already_checked_in]');
    await again.waitFor();
    check(/Already checked in at/.test((await again.textContent()) ?? ''), 'the answer says when');
    check(((await again.getAttribute('class')) ?? '').includes('door-bad'), 'the answer is red');
    await shot(door, '23-check-in-again', false);
  });

  await step('the buyer sees the ticket checked in', async () => {
    await buyer.reload();
    const booking = buyer.getByTestId('booking').filter({ hasText: title });
    await booking.locator('[data-testid=ticket][data-status=checked_in]').filter({ hasText: 'Grace Hopper' }).waitFor();
  });
  await Promise.all([buyer.context().close(), organizer.context().close(), door.context().close()]);
}
