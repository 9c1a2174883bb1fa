// The check-in page's logic, kept out of React so it can be tested: what the door shows for each answer of a scan,
// the camera's repeat filter (a code held in front of it is seen many times a second), and the counts per type.
import { ApiError } from '../api/errors';
import type { CheckInAnswer, CheckInStats, TicketType } from '../api/tickets';

export type DoorResult = 'ok' | 'already_checked_in' | 'ticket_void' | 'unknown_ticket' | 'forbidden' | 'error';

/** The big answer the door person sees: green for ok, red for everything else. */
export interface DoorAnswer {
  result: DoorResult;
  ok: boolean;
  title: string;
  text: string;
}

/** The ticket's code as typed or scanned: trimmed (the platform also takes any case and the printed spaces). */
export function normaliseCode(raw: string): string {
  return raw.trim();
}

export function answerOfCheckIn(answer: CheckInAnswer): DoorAnswer {
  const { attendee_name, type_name } = answer.ticket;
  return { result: 'ok', ok: true, title: `Checked in: ${attendee_name} (${type_name})`, text: 'Let them in.' };
}

function timeOf(iso: string, now: number): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const sameDay = new Date(now).toDateString() === at.toDateString();
  const time = at.toLocaleTimeString('en', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return sameDay ? time : `${at.toLocaleDateString('en', { dateStyle: 'medium' })} ${time}`;
}

/** A refused scan (or a failure to ask) as the door's answer. */
export function answerOfError(error: unknown, now: number = Date.now()): DoorAnswer {
  const bad = (result: DoorResult, title: string, text: string): DoorAnswer => ({ result, ok: false, title, text });
  if (!(error instanceof ApiError)) return bad('error', 'Not checked in', 'Something went wrong: scan again.');
  switch (error.code) {
    case 'already_checked_in': {
      const at = error.details.checked_in_at;
      const when = typeof at === 'string' ? ` at ${timeOf(at, now)}` : '';
      return bad('already_checked_in', `Already checked in${when}`, 'This ticket has been used: do not let it in again.');
    }
    case 'ticket_void':
      return bad('ticket_void', 'Void ticket', 'Its booking or the event was cancelled: it does not admit anyone.');
    case 'unknown_ticket':
      return bad('unknown_ticket', 'Unknown ticket', 'Not a ticket of this event: the code is mistyped, forged or of another event.');
    case 'forbidden':
      return bad('forbidden', 'Not allowed', 'Your account may not check in tickets for this event.');
    case 'unauthenticated':
      return bad('error', 'Not checked in', 'Your session has ended: log in again.');
    case 'validation_error':
      return bad('error', 'Not checked in', 'That is not a ticket code: scan or type it again.');
    case 'network':
      return bad('error', 'Not checked in', 'No connection to the server: scan again when it is back.');
    default:
      return bad('error', 'Not checked in', `${error.message} Scan again.`);
  }
}

/** Let a code through unless it is the one just sent, within `windowMs`: the camera sees a held ticket repeatedly. */
export class RepeatFilter {
  private last: { code: string; at: number } | null = null;
  constructor(private readonly windowMs = 2500) {}

  admit(code: string, now: number = Date.now()): boolean {
    if (this.last && this.last.code === code && now - this.last.at < this.windowMs) return false;
    this.last = { code, at: now };
    return true;
  }
}

export interface TypeCount {
  ticket_type_id: string;
  name: string;
  total: number;
  checked_in: number;
}

/** The counts per type with the types' names (a type the page does not know is shown by its position). */
export function countsByType(stats: CheckInStats, types: TicketType[] = []): TypeCount[] {
  return stats.by_type.map((row, i) => ({
    ...row,
    name: types.find((t) => t.id === row.ticket_type_id)?.name ?? `Type ${i + 1}`,
  }));
}
