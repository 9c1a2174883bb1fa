// The organizer's door of an event: the attendee and order lists as CSV, the check-in staff, the check-in page.
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError } from '../api/client';
import { addStaff, attendeesCsv, ordersCsv, type ApiFile } from '../api/tickets';
import { useSession } from '../session';
import { saveFile } from '../tickets/files';
import { ErrorBox } from '../ui';

function DownloadButton({ label, name, load }: { label: string; name: string; load: () => Promise<ApiFile> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <div>
      <button
        type="button"
        className="secondary"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            saveFile(await load(), name);
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? 'Preparing…' : label}
      </button>
      <ErrorBox error={error} focus />
    </div>
  );
}

export function AttendeesAndStaff({ eventId }: { eventId: string }) {
  const { api } = useSession();
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [added, setAdded] = useState<string[]>([]);
  const checkInPath = `/events/${eventId}/check-in`;
  const checkInUrl = `${window.location.origin}${checkInPath}`;

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const member = await addStaff(api, eventId, email.trim());
      setAdded((current) => (current.includes(member.email) ? current : [...current, member.email]));
      setEmail('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <section className="card stack" aria-labelledby="attendees-heading">
        <h2 id="attendees-heading">Attendees</h2>
        <p className="hint">Spreadsheets (CSV, UTF-8): one row per ticket, or one row per booking.</p>
        <div className="actions">
          <DownloadButton label="Download attendees CSV" name={`attendees-${eventId}.csv`} load={() => attendeesCsv(api, eventId)} />
          <DownloadButton label="Download orders CSV" name={`orders-${eventId}.csv`} load={() => ordersCsv(api, eventId)} />
        </div>
      </section>
      <section className="card stack" aria-labelledby="door-heading">
        <h2 id="door-heading">Check-in</h2>
        <p>
          <Link className="button" to={checkInPath} data-testid="check-in-link">
            Open the check-in page
          </Link>
        </p>
        <p className="hint">
          Staff open <code>{checkInUrl}</code> on their phone, logged in with the account you add here.
        </p>
        <form className="stack" onSubmit={add} aria-label="Add check-in staff">
          <h3>Check-in staff</h3>
          {error instanceof ApiError && error.status === 404 ? (
            <p className="alert alert-error" role="alert" data-code={error.code} data-testid="staff-error">
              <strong>No such account.</strong> Nobody has signed up with this e-mail: ask them to register first.
            </p>
          ) : (
            <ErrorBox error={error} focus testId="staff-error" />
          )}
          <div className="field">
            <label htmlFor="staff-email">E-mail of their account</label>
            <input
              id="staff-email"
              type="email"
              required
              autoComplete="off"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              aria-describedby="staff-email-hint"
            />
            <p className="hint" id="staff-email-hint">
              They need to have signed up; they may check in this event’s tickets only.
            </p>
          </div>
          <p>
            <button type="submit" disabled={busy}>
              {busy ? 'Adding…' : 'Add staff'}
            </button>
          </p>
        </form>
        <div role="status" aria-live="polite">
          {added.length > 0 && (
            <p className="alert alert-success" data-testid="staff-added">
              Can check in: {added.join(', ')}
            </p>
          )}
        </div>
      </section>
    </>
  );
}
