import type { FormEvent, RefObject } from 'react';
import type { CardDetails } from '../api/types';

const thisYear = new Date().getFullYear();

/** The sandbox gateway's card form (demo mode): the card's number, expiry and CVC go to the platform itself. */
export function SandboxCardForm({
  card,
  setCard,
  cardInput,
  paying,
  label,
  onSubmit,
}: {
  card: CardDetails;
  setCard: (card: CardDetails) => void;
  cardInput: RefObject<HTMLInputElement | null>;
  paying: boolean;
  label: string;
  onSubmit: (e: FormEvent) => void;
}) {
  return (
    <form onSubmit={onSubmit} className="stack" aria-label="Card details">
      <div className="field">
        <label htmlFor="card-number">Card number</label>
        <input
          id="card-number"
          ref={cardInput}
          name="card_number"
          inputMode="numeric"
          autoComplete="cc-number"
          required
          pattern="[0-9 ]{12,23}"
          value={card.card_number}
          onChange={(e) => setCard({ ...card, card_number: e.target.value })}
          placeholder="4242 4242 4242 4242"
        />
      </div>
      <div className="row">
        <div className="field">
          <label htmlFor="exp-month">Expiry month</label>
          <select
            id="exp-month"
            autoComplete="cc-exp-month"
            value={card.exp_month}
            onChange={(e) => setCard({ ...card, exp_month: Number(e.target.value) })}
          >
            {Array.from({ length: 12 }, (_, i) => i + 1).map((m) => (
              <option key={m} value={m}>
                {String(m).padStart(2, '0')}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="exp-year">Expiry year</label>
          <select
            id="exp-year"
            autoComplete="cc-exp-year"
            value={card.exp_year}
            onChange={(e) => setCard({ ...card, exp_year: Number(e.target.value) })}
          >
            {Array.from({ length: 12 }, (_, i) => thisYear + i).map((y) => (
              <option key={y} value={y}>
                {y}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="cvc">CVC</label>
          <input
            id="cvc"
            name="cvc"
            inputMode="numeric"
            autoComplete="cc-csc"
            required
            pattern="[0-9]{3,4}"
            maxLength={4}
            value={card.cvc}
            onChange={(e) => setCard({ ...card, cvc: e.target.value })}
          />
        </div>
      </div>
      <button type="submit" disabled={paying}>
        {paying ? 'Paying…' : label}
      </button>
    </form>
  );
}
