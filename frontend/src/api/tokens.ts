// Where the API client keeps the session's tokens: in memory, or in localStorage so a reload keeps the session.

export interface StoredTokens {
  access_token: string;
  refresh_token: string;
  /** Epoch milliseconds after which the access token is treated as expired (a little before the real expiry). */
  expires_at: number;
}

export interface TokenStore {
  get(): StoredTokens | null;
  set(tokens: StoredTokens | null): void;
}

export class MemoryTokenStore implements TokenStore {
  private tokens: StoredTokens | null = null;
  get(): StoredTokens | null {
    return this.tokens;
  }
  set(tokens: StoredTokens | null): void {
    this.tokens = tokens;
  }
}

/** Tokens in localStorage, so a reload keeps the session (falls back to memory where storage is unavailable). */
export class LocalTokenStore implements TokenStore {
  private memory = new MemoryTokenStore();
  constructor(private readonly key = 'eventbook.tokens') {}
  get(): StoredTokens | null {
    try {
      const raw = globalThis.localStorage?.getItem(this.key);
      return raw ? (JSON.parse(raw) as StoredTokens) : this.memory.get();
    } catch {
      return this.memory.get();
    }
  }
  set(tokens: StoredTokens | null): void {
    this.memory.set(tokens);
    try {
      if (tokens) globalThis.localStorage?.setItem(this.key, JSON.stringify(tokens));
      else globalThis.localStorage?.removeItem(this.key);
    } catch {
      /* private mode: memory only */
    }
  }
}
