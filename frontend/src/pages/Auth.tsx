import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError } from '../api/client';
import { useSession } from '../session';
import { PageTitle } from '../ui';


/** Only same-site paths, so `?next=` cannot send anyone elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

function FormError({ error }: { error: unknown }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) ref.current?.focus();
  }, [error]);
  if (!error) return null;
  let text = 'Something went wrong. Please try again.';
  if (error instanceof ApiError) {
    if (error.code === 'invalid_credentials') text = 'The e-mail or password is not right.';
    else if (error.code === 'email_taken') text = 'An account with this e-mail already exists. Log in instead.';
    else if (error.code === 'rate_limited')
      text = `Too many attempts. Try again in ${error.retryAfter ?? 'a few'} seconds.`;
    else if (error.code === 'validation_error' && Object.keys(error.fields).length)
      text = Object.entries(error.fields)
        .map(([field, why]) => `${field}: ${why}`)
        .join(' ');
    else text = error.message;
  }
  return (
    <div className="alert alert-error" role="alert" tabIndex={-1} ref={ref}>
      {text}
    </div>
  );
}

export function LoginPage() {
  const { login, config } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await login(String(data.get('email')), String(data.get('password')));
      navigate(safeNext(params.get('next')), { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="narrow">
      <PageTitle title="Log in">Log in</PageTitle>
      <FormError error={error} />
      <form onSubmit={onSubmit} className="card stack" aria-label="Log in">
        <div className="field">
          <label htmlFor="login-email">E-mail</label>
          <input id="login-email" name="email" type="email" autoComplete="username" required />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input id="login-password" name="password" type="password" autoComplete="current-password" required />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p>
        New here? <Link to={`/register${params.get('next') ? `?next=${encodeURIComponent(params.get('next')!)}` : ''}`}>Create an account</Link>.
      </p>
      {config.demo && (
        <aside className="alert alert-info" aria-label="Demo accounts">
          Demo mode: organizer <code>organizer@example.com</code> / <code>organizer-pass-123</code>, customer{' '}
          <code>customer@example.com</code> / <code>customer-pass-123</code>.
        </aside>
      )}
    </div>
  );
}

export function RegisterPage() {
  const { api, login } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const email = String(data.get('email'));
    const password = String(data.get('password'));
    setBusy(true);
    setError(null);
    try {
      await api.register({ email, password, name: String(data.get('name')) });
      await login(email, password);
      navigate(safeNext(params.get('next')), { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="narrow">
      <PageTitle title="Create an account">Create an account</PageTitle>
      <FormError error={error} />
      <form onSubmit={onSubmit} className="card stack" aria-label="Register">
        <div className="field">
          <label htmlFor="reg-name">Name</label>
          <input id="reg-name" name="name" autoComplete="name" required maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor="reg-email">E-mail</label>
          <input id="reg-email" name="email" type="email" autoComplete="email" required />
        </div>
        <div className="field">
          <label htmlFor="reg-password">Password</label>
          <input
            id="reg-password"
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={8}
            required
            aria-describedby="reg-password-hint"
          />
          <p id="reg-password-hint" className="hint">
            At least 8 characters.
          </p>
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/login">Log in</Link>.
      </p>
    </div>
  );
}
