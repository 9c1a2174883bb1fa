// What the waiting room remembers per event in sessionStorage (this tab only): the pass of an admitted entry
// until its `admitted_until`, and the first spot seen (so the progress bar survives a reload).
import type { Spot } from './state';

export interface StoredPass {
  pass: string;
  admitted_until: string;
}

export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** sessionStorage, or a memory stand-in where it is missing or refused (private modes, tests). */
function memoryStorage(): KeyValueStorage {
  const items = new Map<string, string>();
  return {
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => void items.set(k, String(v)),
    removeItem: (k) => void items.delete(k),
  };
}
let fallback: KeyValueStorage | null = null;
export function sessionStore(): KeyValueStorage {
  try {
    if (globalThis.sessionStorage) return globalThis.sessionStorage;
  } catch {
    /* refused (e.g. storage disabled): fall back to memory */
  }
  return (fallback ??= memoryStorage());
}

const passKey = (eventId: string) => `eventbook.queue.pass.${eventId}`;
const spotKey = (eventId: string) => `eventbook.queue.first.${eventId}`;

function read(storage: KeyValueStorage, key: string): unknown {
  try {
    const raw = storage.getItem(key);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}
function write(storage: KeyValueStorage, key: string, value: unknown): void {
  try {
    storage.setItem(key, JSON.stringify(value));
  } catch {
    /* full or refused: the app still works, it only forgets on reload */
  }
}

export function savePass(eventId: string, pass: StoredPass, storage: KeyValueStorage = sessionStore()): void {
  write(storage, passKey(eventId), { pass: pass.pass, admitted_until: pass.admitted_until });
}

/** The event's pass while it is valid; an expired or unreadable one is forgotten. */
export function loadPass(eventId: string, now: number = Date.now(), storage: KeyValueStorage = sessionStore()): StoredPass | null {
  const value = read(storage, passKey(eventId)) as Partial<StoredPass> | null;
  const until = typeof value?.admitted_until === 'string' ? Date.parse(value.admitted_until) : NaN;
  if (!value || typeof value.pass !== 'string' || !value.pass || Number.isNaN(until) || until <= now) {
    if (value) clearPass(eventId, storage);
    return null;
  }
  return { pass: value.pass, admitted_until: value.admitted_until as string };
}

function remove(storage: KeyValueStorage, key: string): void {
  try {
    storage.removeItem(key);
  } catch {
    /* nothing to forget */
  }
}

export function clearPass(eventId: string, storage: KeyValueStorage = sessionStore()): void {
  remove(storage, passKey(eventId));
}

export function saveFirstSpot(eventId: string, spot: Spot | null, storage: KeyValueStorage = sessionStore()): void {
  if (spot) write(storage, spotKey(eventId), spot);
  else remove(storage, spotKey(eventId));
}

export function loadFirstSpot(eventId: string, storage: KeyValueStorage = sessionStore()): Spot | null {
  const value = read(storage, spotKey(eventId)) as Partial<Spot> | null;
  if (!value) return null;
  const num = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) ? n : null);
  return { position: num(value.position), ahead: num(value.ahead) };
}
