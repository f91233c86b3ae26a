import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { User } from '@amphi/protocol';
import { api } from '../api.js';

interface AuthState {
  /** False until the first answer of /api/me. */
  loaded: boolean;
  user: User | null;
  signupOpen: boolean;
  signIn(email: string, password: string): Promise<User>;
  signUp(body: { email: string; password: string; name: string; invite?: string }): Promise<User>;
  signOut(): Promise<void>;
  /** Reads /api/me again (after changing instance settings, for example). */
  refresh(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

/** Who is signed in. Loads /api/me first, which also gives the API client its CSRF token. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [loaded, setLoaded] = useState(false);
  const [user, setUser] = useState<User | null>(null);
  const [signupOpen, setSignupOpen] = useState(false);

  const refresh = useCallback(async () => {
    try {
      const me = await api.me();
      setUser(me.user);
      setSignupOpen(me.signupOpen);
    } finally {
      setLoaded(true);
    }
  }, []);

  useEffect(() => {
    void refresh().catch(() => undefined);
  }, [refresh]);

  const value = useMemo<AuthState>(
    () => ({
      loaded,
      user,
      signupOpen,
      refresh,
      async signIn(email, password) {
        const signedIn = await api.signIn({ email, password });
        setUser(signedIn);
        return signedIn;
      },
      async signUp(body) {
        const created = await api.signUp(body);
        setUser(created);
        return created;
      },
      async signOut() {
        await api.signOut();
        setUser(null);
        await refresh();
      },
    }),
    [loaded, user, signupOpen, refresh],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth needs an AuthProvider');
  return auth;
}
