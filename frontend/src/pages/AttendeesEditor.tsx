// Renaming the seats of a booking before its event starts (PUT /api/bookings/{id}/attendees: one entry per seat).
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { updateAttendees, type TicketedBooking } from '../api/tickets';
import { useSession } from '../session';
import { attendeeEntries, editedAttendees, holdProblems, seatsMissingName, seatsOf, type AttendeeEntries } from '../tickets/order';
import { ErrorBox } from '../ui';
import { AttendeeFields } from './AttendeeFields';

export function AttendeesEditor({ booking, onSaved }: { booking: TicketedBooking; onSaved: (b: TicketedBooking) => void }) {
  const { api } = useSession();
  const lines = booking.lines ?? [];
  const seats = seatsOf(lines);
  const [open, setOpen] = useState(false);
  const [entries, setEntries] = useState<AttendeeEntries>(() => attendeeEntries(seats, booking.attendees ?? []));
  const [missing, setMissing] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState('');
  if (seats.length === 0) return null;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const unnamed = seatsMissingName(seats, entries);
    setMissing(unnamed);
    if (Object.keys(unnamed).length) return;
    setBusy(true);
    setError(null);
    setSaved('');
    try {
      const updated = await updateAttendees(api, booking.id, editedAttendees(seats, entries));
      setEntries(attendeeEntries(seats, updated.attendees ?? []));
      setSaved('Names saved.');
      onSaved(updated);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const problems = holdProblems(error, seats);
  const started = error instanceof ApiError && error.code === 'conflict';
  return (
    <details className="attendee-editor" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Edit the names on the tickets</summary>
      <form className="stack" onSubmit={save} aria-label="Names on the tickets">
        <p className="hint">Names can change until the event starts. A seat left blank keeps its name.</p>
        {started ? (
          <p className="alert alert-error" role="alert" data-code="conflict">
            <strong>Too late.</strong> The event has started: the names can no longer change.
          </p>
        ) : (
          <ErrorBox error={error} focus />
        )}
        {problems.attendees && <p className="field-error">{problems.attendees}</p>}
        <AttendeeFields
          seats={seats}
          entries={entries}
          onChange={setEntries}
          problems={{ ...problems.bySeat, ...missing }}
          idPrefix={`attendee-${booking.id}`}
          blankMeans="unchanged"
        />
        <p className="actions">
          <button type="submit" disabled={busy || started}>
            {busy ? 'Saving…' : 'Save names'}
          </button>
          <span role="status" aria-live="polite" className="offer">
            {saved}
          </span>
        </p>
      </form>
    </details>
  );
}
