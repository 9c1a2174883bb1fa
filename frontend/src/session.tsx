// The app-wide session: one API client, the current user, and the deployment's config (demo mode).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiClient, LocalTokenStore } from './api/client';
import type { AppConfig, User } from './api/types';

interface Session {
  api: ApiClient;
  user: User | null;
  /** False until the stored session (if any) has been checked. */
  ready: boolean;
  config: AppConfig;
  login(email: string, password: string): Promise<User>;
  logout(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [ready, setReady] = useState(false);
  const [config, setConfig] = useState<AppConfig>({ demo: false });
  const apiRef = useRef<ApiClient | null>(null);
  if (!apiRef.current) {
    apiRef.current = new ApiClient({
      tokens: new LocalTokenStore(),
      onTokens: (tokens) => {
        if (!tokens) setUser(null); // logged out, or the session ended (a refused refresh)
      },
    });
  }
  const api = apiRef.current;

  useEffect(() => {
    api.config().then(setConfig, () => undefined);
    if (!api.loggedIn) {
      setReady(true);
      return;
    }
    api
      .me()
      .then(setUser, () => setUser(null))
      .finally(() => setReady(true));
  }, [api]);

  const login = useCallback(
    async (email: string, password: string) => {
      await api.login(email, password);
      const me = await api.me();
      setUser(me);
      return me;
    },
    [api],
  );
  const logout = useCallback(async () => {
    await api.logout();
    setUser(null);
  }, [api]);

  const value = useMemo(() => ({ api, user, ready, config, login, logout }), [api, user, ready, config, login, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
