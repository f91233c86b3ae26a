import { useTranslation } from 'react-i18next';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { AuthProvider, useAuth } from './auth/AuthContext.js';
import { RequireAuth } from './auth/RequireAuth.js';
import { SignInPage } from './auth/SignInPage.js';
import { SignUpPage } from './auth/SignUpPage.js';
import { AccountPage } from './auth/AccountPage.js';
import { DashboardPage } from './dashboard/DashboardPage.js';
import { NewRoomPage } from './rooms/NewRoomPage.js';
import { EditRoomPage } from './rooms/EditRoomPage.js';
import { LinkJoinPage } from './join/LinkJoinPage.js';
import { OwnerJoinPage } from './join/OwnerJoinPage.js';
import { AdminPage } from './admin/AdminPage.js';
import { LtiApp } from './lti/LtiApp.js';
import { Layout } from './ui/Layout.js';
import { NotFoundPage } from './ui/NotFoundPage.js';

const router = createBrowserRouter([
  // Launched from an LMS: a compact page of its own (no sign-in header), on the launch's app token.
  { path: '/lti/*', element: <LtiApp /> },
  {
    element: <Layout />,
    children: [
      { path: '/', element: <RequireAuth><DashboardPage /></RequireAuth> },
      { path: '/signin', element: <SignInPage /> },
      { path: '/signup', element: <SignUpPage /> },
      { path: '/rooms/new', element: <RequireAuth><NewRoomPage /></RequireAuth> },
      { path: '/rooms/:id/edit', element: <RequireAuth><EditRoomPage /></RequireAuth> },
      { path: '/rooms/:id', element: <RequireAuth><OwnerJoinPage /></RequireAuth> },
      { path: '/j/:token', element: <LinkJoinPage /> },
      { path: '/account', element: <RequireAuth><AccountPage /></RequireAuth> },
      { path: '/admin', element: <RequireAuth admin><AdminPage /></RequireAuth> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

function Routes() {
  const { t } = useTranslation();
  const { loaded } = useAuth();
  if (!loaded) {
    return (
      <p role="status" className="loading">
        {t('app.loading')}
      </p>
    );
  }
  return <RouterProvider router={router} />;
}

export function App() {
  return (
    <AuthProvider>
      <Routes />
    </AuthProvider>
  );
}
