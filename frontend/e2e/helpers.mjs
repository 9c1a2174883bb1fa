// Shared pieces of the browser journeys (journey.mjs, waiting-room.mjs): settings, steps, pages, common actions.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BASE_URL = (process.env.BASE_URL ?? 'http://127.0.0.1:8000').replace(/\/$/, '');
export const SHOTS = process.env.SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'eventbook-shots-'));
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const TIMEOUT = Number(process.env.STEP_TIMEOUT_MS ?? 15000);
export const DECLINED = '4000 0000 0000 0002';
export const GOOD = '4242 4242 4242 4242';
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 860 };

mkdirSync(SHOTS, { recursive: true });
export const unique = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
/** Steps passed so far (printed at the end, or with the failure). */
export const progress = { steps: 0 };
export const pageErrors = [];

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

export async function step(name, fn) {
  const started = Date.now();
  await fn();
  progress.steps += 1;
  console.log(`ok ${progress.steps} - ${name} (${Date.now() - started} ms)`);
}

export async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

export async function newPage(browser, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, baseURL: BASE_URL, locale: 'en-GB', timezoneId: 'UTC' });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (msg) => msg.type() === 'error' && !/Failed to load resource/.test(msg.text()) && pageErrors.push(msg.text()));
  return page;
}

/** The page's <h1> has the focus after a navigation (screen readers and keyboards start there). */
export async function h1HasFocus(page, text) {
  await page.getByRole('heading', { level: 1, name: text }).waitFor();
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
}

export async function register(page, name, email, password) {
  await page.goto('/register');
  await h1HasFocus(page, 'Create an account');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('whoami').getByText(name).waitFor();
}

export async function login(page, email, password) {
  await page.goto('/login');
  await h1HasFocus(page, 'Log in');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Password').press('Enter'); // the keyboard submits the form
  await page.getByTestId('whoami').waitFor();
}

export async function searchFor(page, text) {
  await page.goto('/');
  await page.getByLabel('Search').fill(text);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForURL((url) => url.searchParams.get('q') === text);
}

export async function pay(page, card) {
  await page.getByLabel('Card number').fill(card);
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: /^Pay / }).click();
}

/** Fill the organizer's new-event form (its required fields); the caller adds the rest and submits. */
export async function fillEvent(page, { title, description, venue, capacity, price }) {
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Description').fill(description);
  await page.getByLabel('Category').fill('music');
  await page.getByLabel('Venue').fill(venue);
  await page.getByLabel('Capacity').fill(String(capacity));
  await page.getByLabel('Price per seat').fill(price);
}
