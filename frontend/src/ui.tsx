// Small shared pieces: page headings that take focus, error and status boxes, loading states.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { ApiError } from './api/client';
import { messageFor } from './checkout/state';

/** The page's <h1>: sets the document title and takes focus when the page opens (for keyboard and screen readers). */
export function PageTitle({ children, title }: { children: ReactNode; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Eventbook`;
    ref.current?.focus({ preventScroll: false });
  }, [title]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

/** An error box, announced by screen readers; focusable so forms can move focus to it. */
export function ErrorBox({
  error,
  children,
  focus = false,
  testId,
}: {
  error: unknown;
  children?: ReactNode;
  focus?: boolean;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focus && error) ref.current?.focus();
  }, [error, focus]);
  if (!error) return null;
  const message = messageFor(error);
  const code = error instanceof ApiError ? error.code : 'error';
  return (
    <div className="alert alert-error" role="alert" tabIndex={-1} ref={ref} data-code={code} data-testid={testId}>
      <strong>{message.title}.</strong> {message.text}
      {message.next === 'login' && (
        <>
          {' '}
          <Link to="/login">Log in</Link>
        </>
      )}
      {children}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="muted" role="status">
      {what}…
    </p>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

/** The current time, ticking every second while `active`. */
export function useNow(active = true): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}
