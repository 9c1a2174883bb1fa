import { describe, expect, it } from 'vitest';
import { clearPass, loadFirstSpot, loadPass, saveFirstSpot, savePass, type KeyValueStorage } from './storage';

function fakeStorage(): KeyValueStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => void items.set(k, v),
    removeItem: (k) => void items.delete(k),
  };
}

const now = Date.parse('2030-01-01T10:00:00Z');

describe('the queue pass kept per event', () => {
  it('gives back the pass while it is valid, for its own event only', () => {
    const storage = fakeStorage();
    savePass('e1', { pass: 'P1', admitted_until: '2030-01-01T10:05:00Z' }, storage);
    expect(loadPass('e1', now, storage)).toEqual({ pass: 'P1', admitted_until: '2030-01-01T10:05:00Z' });
    expect(loadPass('e2', now, storage)).toBeNull();
  });

  it('forgets a pass once admitted_until has passed', () => {
    const storage = fakeStorage();
    savePass('e1', { pass: 'P1', admitted_until: '2030-01-01T09:59:59Z' }, storage);
    expect(loadPass('e1', now, storage)).toBeNull();
    expect(storage.items.size).toBe(0);
  });

  it('forgets what it cannot read', () => {
    const storage = fakeStorage();
    storage.setItem('eventbook.queue.pass.e1', '{not json');
    expect(loadPass('e1', now, storage)).toBeNull();
    storage.setItem('eventbook.queue.pass.e1', JSON.stringify({ pass: '', admitted_until: '2030-01-01T10:05:00Z' }));
    expect(loadPass('e1', now, storage)).toBeNull();
    storage.setItem('eventbook.queue.pass.e1', JSON.stringify({ pass: 'P', admitted_until: 'soon' }));
    expect(loadPass('e1', now, storage)).toBeNull();
  });

  it('is cleared on demand', () => {
    const storage = fakeStorage();
    savePass('e1', { pass: 'P1', admitted_until: '2030-01-01T10:05:00Z' }, storage);
    clearPass('e1', storage);
    expect(loadPass('e1', now, storage)).toBeNull();
  });

  it('survives a storage that refuses writes', () => {
    const storage = { ...fakeStorage(), setItem: () => { throw new Error('QuotaExceededError'); } };
    expect(() => savePass('e1', { pass: 'P', admitted_until: '2030-01-01T10:05:00Z' }, storage)).not.toThrow();
    expect(loadPass('e1', now, storage)).toBeNull();
  });
});

describe('the first spot seen in the queue', () => {
  it('is kept and cleared per event', () => {
    const storage = fakeStorage();
    saveFirstSpot('e1', { position: 12, ahead: 11 }, storage);
    expect(loadFirstSpot('e1', storage)).toEqual({ position: 12, ahead: 11 });
    expect(loadFirstSpot('e2', storage)).toBeNull();
    saveFirstSpot('e1', null, storage);
    expect(loadFirstSpot('e1', storage)).toBeNull();
  });
});
