// The organizer's promo codes of an event: the list with their uses, and a form to create one (percent or amount
// off, a limit of uses, an expiry, some types only), with a preview of what it takes off one seat of each type.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { createPromoCode, listPromoCodes, type PromoCode, type TicketType } from '../api/tickets';
import { formatDate, formatMoney } from '../checkout/state';
import { useSession } from '../session';
import { EMPTY_PROMO, describeDiscount, describeScope, describeUses, promoBody, promoOfDraft, type PromoDraft } from '../tickets/forms';
import { discountCents } from '../tickets/order';
import { ErrorBox, Loading } from '../ui';

/** Which input an API field's error belongs to. */
const INPUT_OF: Record<string, keyof PromoDraft> = {
  code: 'code',
  percent_off: 'value',
  amount_off_cents: 'value',
  max_uses: 'max_uses',
  valid_until: 'valid_until',
  ticket_type_ids: 'scope',
};

function Preview({ draft, types, currency }: { draft: PromoDraft; types: TicketType[]; currency: string }) {
  const promo = promoOfDraft(draft);
  if (!promo || types.length === 0) return null;
  const money = (cents: number) => formatMoney(cents, currency);
  return (
    <div className="hint" aria-live="polite">
      On one seat:{' '}
      {types
        .map((t) => {
          const off = discountCents(promo, [{ ticket_type_id: t.id, quantity: 1, unit_price_cents: t.price_cents }]);
          return `${t.name} ${money(t.price_cents)} → ${money(t.price_cents - off)}`;
        })
        .join(' · ')}
    </div>
  );
}

export function PromoCodesEditor({ eventId, types, currency }: { eventId: string; types: TicketType[]; currency: string }) {
  const { api } = useSession();
  const [codes, setCodes] = useState<PromoCode[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [draft, setDraft] = useState<PromoDraft>(EMPTY_PROMO);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');

  useEffect(() => {
    listPromoCodes(api, eventId).then(setCodes, setLoadError);
  }, [api, eventId]);

  const errors: Partial<Record<keyof PromoDraft, string>> = {};
  if (error instanceof ApiError) for (const [f, why] of Object.entries(error.fields)) if (INPUT_OF[f]) errors[INPUT_OF[f]] = why;
  if (error instanceof ApiError && error.code === 'promo_code_taken') errors.code = 'This event already has this code.';
  const set = (name: 'code' | 'value' | 'max_uses' | 'valid_until') => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [name]: e.target.value }));
  const toggle = (id: string, on: boolean) =>
    setDraft((d) => ({ ...d, scope: on ? [...d.scope, id] : d.scope.filter((s) => s !== id) }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      const created = await createPromoCode(api, eventId, promoBody(draft));
      setCodes((current) => [...(current ?? []), created]);
      setDraft(EMPTY_PROMO);
      setNotice(`Code ${created.code} created.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const a11y = (name: keyof PromoDraft) =>
    errors[name] ? { 'aria-invalid': true, 'aria-describedby': `promo-${name}-error` } : {};
  const problem = (name: keyof PromoDraft): ReactNode =>
    errors[name] && (
      <p className="field-error" id={`promo-${name}-error`}>
        {errors[name]}
      </p>
    );

  return (
    <section className="card stack" aria-labelledby="promo-heading" data-testid="promo-codes-editor">
      <h2 id="promo-heading">Promo codes</h2>
      <ErrorBox error={loadError} />
      {!codes && !loadError && <Loading what="Loading the codes" />}
      {codes && codes.length === 0 && <p>No promo codes yet.</p>}
      {codes && codes.length > 0 && (
        <ul className="promo-list">
          {codes.map((c) => (
            <li key={c.id} data-testid="promo-code-row">
              <code>{c.code}</code> · {describeDiscount(c, currency)} · <span data-testid="promo-uses">{describeUses(c)}</span>
              {c.valid_until && ` · until ${formatDate(c.valid_until)}`} · {describeScope(c.ticket_type_ids, types)}
            </li>
          ))}
        </ul>
      )}
      <form className="stack" onSubmit={submit} aria-label="Create a promo code">
        <h3>Create a promo code</h3>
        <ErrorBox error={error} focus />
        <div className="row">
          <div className="field">
            <label htmlFor="promo-code-input">Code</label>
            <input id="promo-code-input" required maxLength={64} autoCapitalize="characters" spellCheck={false} value={draft.code} onChange={set('code')} {...a11y('code')} />
            {problem('code')}
          </div>
          <div className="field">
            <label htmlFor="promo-max_uses">Max uses (empty: no limit)</label>
            <input id="promo-max_uses" type="number" min={1} value={draft.max_uses} onChange={set('max_uses')} {...a11y('max_uses')} />
            {problem('max_uses')}
          </div>
        </div>
        <fieldset>
          <legend>Discount</legend>
          <div className="row">
            {(['percent', 'amount'] as const).map((kind) => (
              <div className="field field-check" key={kind}>
                <label>
                  <input type="radio" name="promo-kind" checked={draft.kind === kind} onChange={() => setDraft((d) => ({ ...d, kind }))} />{' '}
                  {kind === 'percent' ? 'Percent off' : 'Amount off'}
                </label>
              </div>
            ))}
          </div>
          <div className="field">
            <label htmlFor="promo-value">{draft.kind === 'percent' ? 'Percent (1–100)' : `Amount (${currency})`}</label>
            <input
              id="promo-value"
              type="number"
              required
              min={draft.kind === 'percent' ? 1 : 0.01}
              max={draft.kind === 'percent' ? 100 : undefined}
              step={draft.kind === 'percent' ? 1 : 0.01}
              value={draft.value}
              onChange={set('value')}
              {...a11y('value')}
            />
            {problem('value')}
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor="promo-valid_until">Valid until (empty: no expiry)</label>
          <input id="promo-valid_until" type="datetime-local" value={draft.valid_until} onChange={set('valid_until')} {...a11y('valid_until')} />
          {problem('valid_until')}
        </div>
        {types.length > 1 && (
          <fieldset>
            <legend>For these types only (none ticked: all types)</legend>
            {types.map((t) => (
              <div className="field field-check" key={t.id}>
                <label>
                  <input type="checkbox" checked={draft.scope.includes(t.id)} onChange={(e) => toggle(t.id, e.target.checked)} /> {t.name}
                </label>
              </div>
            ))}
            {problem('scope')}
          </fieldset>
        )}
        <Preview draft={draft} types={types} currency={currency} />
        <p className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create code'}
          </button>
          <span role="status" aria-live="polite" className="offer">
            {notice}
          </span>
        </p>
      </form>
    </section>
  );
}
