// One name and an optional e-mail per seat, in line order (the hold form and the attendee editor of My bookings).
import type { AttendeeEntries, Seat } from '../tickets/order';

export function AttendeeFields({
  seats,
  entries,
  onChange,
  problems,
  idPrefix,
  blankMeans = 'you',
}: {
  seats: Seat[];
  entries: AttendeeEntries;
  onChange: (entries: AttendeeEntries) => void;
  /** Per seat key: the error of that seat's fields. */
  problems: Record<string, string>;
  idPrefix: string;
  /** What a blank name stands for, as the placeholder says it. */
  blankMeans?: string;
}) {
  const set = (key: string, field: 'name' | 'email', value: string) => {
    const current = entries[key] ?? { name: '', email: '' };
    onChange({ ...entries, [key]: { ...current, [field]: value } });
  };
  return (
    <ol className="attendees">
      {seats.map((seat) => {
        const id = `${idPrefix}-${seat.index}`;
        const entry = entries[seat.key] ?? { name: '', email: '' };
        const problem = problems[seat.key];
        const label = `Seat ${seat.index + 1}`;
        return (
          <li key={seat.key} data-testid="attendee">
            <fieldset className="attendee">
              <legend>
                {label} · {seat.type_name}
              </legend>
              <div className="row">
                <div className="field">
                  <label htmlFor={`${id}-name`}>
                    <span className="sr-only">{label} </span>Name
                  </label>
                  <input
                    id={`${id}-name`}
                    autoComplete="off"
                    maxLength={200}
                    placeholder={blankMeans}
                    value={entry.name}
                    onChange={(e) => set(seat.key, 'name', e.target.value)}
                    aria-invalid={problem ? true : undefined}
                    aria-describedby={problem ? `${id}-error` : undefined}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-email`}>
                    <span className="sr-only">{label} </span>E-mail (optional)
                  </label>
                  <input
                    id={`${id}-email`}
                    type="email"
                    autoComplete="off"
                    maxLength={254}
                    value={entry.email}
                    onChange={(e) => set(seat.key, 'email', e.target.value)}
                    aria-invalid={problem ? true : undefined}
                    aria-describedby={problem ? `${id}-error` : undefined}
                  />
                </div>
              </div>
              {problem && (
                <p className="field-error" id={`${id}-error`}>
                  {problem}
                </p>
              )}
            </fieldset>
          </li>
        );
      })}
    </ol>
  );
}
