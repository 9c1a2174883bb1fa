import { type ReactNode } from 'react';
import { Link, NavLink, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { SessionProvider, useSession } from './session';
import { Loading, PageTitle } from './ui';
import { EventsPage } from './pages/Events';
import { EventPage } from './pages/Event';
import { LoginPage, RegisterPage } from './pages/Auth';
import { CheckoutPage } from './pages/Checkout';
import { BookingsPage, ReceiptPage } from './pages/Bookings';
import { EventEditorPage } from './pages/EventEditor';
import { OrganizerPage } from './pages/Organizer';
import { QueuePage } from './pages/Queue';
import { QueueCheckoutPage } from './pages/QueueCheckout';
import { CheckInPage } from './pages/CheckIn';
import { OrganizerTicketsPage } from './pages/OrganizerTickets';

export function App() {
  return (
    <SessionProvider>
      <Shell />
    </SessionProvider>
  );
}

function Shell() {
  const { user, logout } = useSession();
  const navigate = useNavigate();
  const isOrganizer = user?.role === 'organizer' || user?.role === 'admin';
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          Eventbook
        </Link>
        <nav aria-label="Main">
          <ul>
            <li>
              <NavLink to="/" end>
                Events
              </NavLink>
            </li>
            {user && (
              <li>
                <NavLink to="/bookings">My bookings</NavLink>
              </li>
            )}
            {isOrganizer && (
              <li>
                <NavLink to="/organizer">Organizer</NavLink>
              </li>
            )}
            {user ? (
              <li>
                <button
                  type="button"
                  className="link-button"
                  onClick={async () => {
                    await logout();
                    navigate('/');
                  }}
                >
                  Log out <span className="sr-only">{user.name}</span>
                </button>
              </li>
            ) : (
              <>
                <li>
                  <NavLink to="/login">Log in</NavLink>
                </li>
                <li>
                  <NavLink to="/register">Register</NavLink>
                </li>
              </>
            )}
          </ul>
        </nav>
        {user && (
          <p className="whoami" data-testid="whoami">
            {user.name} <span className="muted">({user.role})</span>
          </p>
        )}
      </header>
      <main id="main">
        <Routes>
          <Route path="/" element={<EventsPage />} />
          <Route path="/events/:id" element={<EventPage />} />
          <Route path="/events/:id/queue" element={<RequireUser>{<QueuePage />}</RequireUser>} />
          <Route path="/events/:id/checkout" element={<RequireUser>{<QueueCheckoutPage />}</RequireUser>} />
          {/* Any account: check-in staff are customer accounts; the API says who may scan (403 otherwise). */}
          <Route path="/events/:id/check-in" element={<RequireUser>{<CheckInPage />}</RequireUser>} />
          <Route path="/login" element={<LoginPage />} />
          <Route path="/register" element={<RegisterPage />} />
          <Route path="/checkout/:id" element={<RequireUser>{<CheckoutPage />}</RequireUser>} />
          <Route path="/bookings" element={<RequireUser>{<BookingsPage />}</RequireUser>} />
          <Route path="/bookings/:id/receipt" element={<RequireUser>{<ReceiptPage />}</RequireUser>} />
          <Route path="/organizer" element={<RequireUser organizer>{<OrganizerPage />}</RequireUser>} />
          <Route path="/organizer/events/new" element={<RequireUser organizer>{<EventEditorPage />}</RequireUser>} />
          <Route path="/organizer/events/:id/edit" element={<RequireUser organizer>{<EventEditorPage />}</RequireUser>} />
          <Route path="/organizer/events/:id/tickets" element={<RequireUser organizer>{<OrganizerTicketsPage />}</RequireUser>} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
      <footer className="site-footer muted">Eventbook — open-source event booking</footer>
    </>
  );
}

function RequireUser({ children, organizer = false }: { children: ReactNode; organizer?: boolean }) {
  const { user, ready } = useSession();
  const location = useLocation();
  if (!ready) return <Loading />;
  if (!user) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (organizer && user.role === 'customer') {
    return (
      <>
        <PageTitle title="Organizers only">Organizers only</PageTitle>
        <p>This area is for event organizers.</p>
      </>
    );
  }
  return <>{children}</>;
}

function NotFound() {
  return (
    <>
      <PageTitle title="Page not found">Page not found</PageTitle>
      <p>
        There is nothing here. <Link to="/">Browse the events</Link>.
      </p>
    </>
  );
}
