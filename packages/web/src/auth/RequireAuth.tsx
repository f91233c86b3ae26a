import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useAuth } from './AuthContext.js';
import { NotFoundPage } from '../ui/NotFoundPage.js';

/** Shows its children to signed-in people (admins only with `admin`); others go to sign-in. */
export function RequireAuth({ children, admin = false }: { children: ReactNode; admin?: boolean }) {
  const { user } = useAuth();
  const location = useLocation();
  if (!user) {
    const next = location.pathname + location.search;
    return <Navigate to={`/signin?next=${encodeURIComponent(next)}`} replace />;
  }
  if (admin && user.role !== 'admin') return <NotFoundPage />;
  return <>{children}</>;
}

/** Only paths of this site are followed after sign-in (no open redirect through `//host` or `/\\host`). */
export function safeNext(value: string | null): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') ? value : '/';
}
