// The card form when the platform takes payments with Stripe: Stripe's own card element (the card number never
// reaches this app or the API), turned into a PaymentMethod whose id the pay request sends.
import { CardElement, Elements, useElements, useStripe } from '@stripe/react-stripe-js';
// The pure entry point loads Stripe.js only when loadStripe is called (with Stripe configured), never in demo mode.
import type { Stripe } from '@stripe/stripe-js';
import { loadStripe } from '@stripe/stripe-js/pure';
import { useState, type FormEvent } from 'react';

const loaded = new Map<string, Promise<Stripe | null>>();

/** Stripe.js, loaded once per publishable key (from js.stripe.com, as Stripe requires). */
function stripeFor(publishableKey: string): Promise<Stripe | null> {
  let stripe = loaded.get(publishableKey);
  if (!stripe) {
    stripe = loadStripe(publishableKey);
    loaded.set(publishableKey, stripe);
  }
  return stripe;
}

interface Props {
  publishableKey: string;
  label: string;
  paying: boolean;
  onPaymentMethod: (paymentMethodId: string) => void;
}

export function StripeCardForm({ publishableKey, ...props }: Props) {
  return (
    <Elements stripe={stripeFor(publishableKey)}>
      <CardForm {...props} />
    </Elements>
  );
}

function CardForm({ label, paying, onPaymentMethod }: Omit<Props, 'publishableKey'>) {
  const stripe = useStripe();
  const elements = useElements();
  const [problem, setProblem] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const card = elements?.getElement(CardElement);
    if (!stripe || !card) return;
    setCreating(true);
    setProblem(null);
    const { paymentMethod, error } = await stripe.createPaymentMethod({ type: 'card', card });
    setCreating(false);
    if (error || !paymentMethod) {
      setProblem(error?.message ?? 'The card could not be read.');
      return;
    }
    onPaymentMethod(paymentMethod.id);
  };

  return (
    <form onSubmit={onSubmit} className="stack" aria-label="Card details" data-testid="stripe-card-form">
      <div className="field">
        <label htmlFor="stripe-card">Card</label>
        <div id="stripe-card" className="stripe-card">
          <CardElement options={{ hidePostalCode: true }} />
        </div>
      </div>
      {problem && (
        <p className="alert alert-error" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" disabled={!stripe || paying || creating}>
        {paying || creating ? 'Paying…' : label}
      </button>
    </form>
  );
}
