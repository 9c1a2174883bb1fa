import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/client';
import type { TicketedBooking } from '../api/tickets';
import type { CardDetails, Event, PaymentsConfig } from '../api/types';
import { SandboxCardForm } from '../checkout/SandboxCard';
import { StripeCardForm } from '../checkout/StripeCard';
import {
  SANDBOX_CARDS,
  checkoutPhase,
  countdownAnnouncement,
  formatCountdown,
  formatDate,
  formatMoney,
  messageFor,
  nextAttempt,
  stripeAttempt,
  secondsLeft,
  type PaymentAttempt,
} from '../checkout/state';
import { useSession } from '../session';
import { ErrorBox, Loading, PageTitle, useNow } from '../ui';
import { OrderLines } from './OrderLines';

function Countdown({ expiresAt, now }: { expiresAt: string; now: number }) {
  const left = secondsLeft(expiresAt, now);
  const [announcement, setAnnouncement] = useState('');
  useEffect(() => {
    const sentence = countdownAnnouncement(left);
    if (sentence) setAnnouncement(sentence);
  }, [left]);
  return (
    <div className={`countdown${left <= 60 ? ' countdown-urgent' : ''}`}>
      <span>Seats held for</span>{' '}
      <span role="timer" aria-label="Time left to pay" data-testid="countdown">
        {formatCountdown(left)}
      </span>
      <span className="sr-only" aria-live="polite">
        {announcement}
      </span>
    </div>
  );
}

const thisYear = new Date().getFullYear();

export function CheckoutPage() {
  const { id = '' } = useParams();
  const { api, config } = useSession();
  const [booking, setBooking] = useState<TicketedBooking | null>(null);
  const [event, setEvent] = useState<Event | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [payments, setPayments] = useState<PaymentsConfig | null>(null);
  const [card, setCard] = useState<CardDetails>({ card_number: '', exp_month: 12, exp_year: thisYear + 3, cvc: '' });
  const [paying, setPaying] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const attempt = useRef<PaymentAttempt | null>(null);
  const cardInput = useRef<HTMLInputElement>(null);
  const confirmedHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let live = true;
    api.getBooking(id).then(
      (b) => {
        if (!live) return;
        setBooking(b);
        api.getEvent(b.event_id).then((e) => live && setEvent(e), () => undefined);
      },
      (e: unknown) => live && setLoadError(e),
    );
    // Which form to show: Stripe's card element when Stripe is configured, else the sandbox's card form.
    api.paymentsConfig().then(
      (c) => live && setPayments(c),
      () => live && setPayments({ provider: 'sandbox', publishable_key: null }),
    );
    return () => {
      live = false;
    };
  }, [api, id]);

  const now = useNow(booking?.status === 'pending');
  const phase = booking ? checkoutPhase(booking, now, paying, error) : null;

  useEffect(() => {
    if (phase === 'confirmed') confirmedHeading.current?.focus();
  }, [phase]);

  const send = async (next: PaymentAttempt) => {
    if (!booking) return;
    attempt.current = next;
    setPaying(true);
    setError(null);
    try {
      setBooking(await api.pay(booking.id, next.body, next.key));
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && ['hold_expired', 'booking_not_pending'].includes(err.code)) {
        api.getBooking(booking.id).then(setBooking, () => undefined);
      }
      if (err instanceof ApiError && ['card_declined', 'insufficient_funds'].includes(err.code)) {
        cardInput.current?.select();
      }
    } finally {
      setPaying(false);
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void send(nextAttempt(attempt.current, card));
  };

  if (loadError) {
    return (
      <>
        <PageTitle title="Checkout">Checkout</PageTitle>
        <ErrorBox error={loadError} />
      </>
    );
  }
  if (!booking || !payments) {
    return (
      <>
        <PageTitle title="Checkout">Checkout</PageTitle>
        <Loading />
      </>
    );
  }

  const summary = (
    <section className="card" aria-label="Order summary">
      <h2>{event?.title ?? 'Your booking'}</h2>
      {event && (
        <p className="meta">
          {formatDate(event.starts_at)} · {event.venue}
        </p>
      )}
      <OrderLines booking={booking} />
    </section>
  );

  if (phase === 'confirmed') {
    return (
      <>
        <PageTitle title="Booking confirmed">Checkout</PageTitle>
        <div className="alert alert-success" data-testid="confirmed">
          <h2 ref={confirmedHeading} tabIndex={-1}>
            Booking confirmed
          </h2>
          <p>
            Paid with the card ending in {booking.payment?.card_last4}. Reference <code>{booking.payment?.reference}</code>.
          </p>
          <p>Your tickets, with their QR codes, are in My bookings (and in the confirmation e-mail).</p>
          <p className="actions">
            <Link className="button" to={`/bookings/${booking.id}/receipt`}>
              View receipt
            </Link>
            <Link to="/bookings">My bookings</Link>
          </p>
        </div>
        {summary}
      </>
    );
  }

  const message = error ? messageFor(error) : null;
  return (
    <>
      <PageTitle title="Checkout">Checkout</PageTitle>
      <div className="checkout">
        <div>
          {summary}
          {booking.status === 'pending' && phase !== 'expired' && <Countdown expiresAt={booking.expires_at} now={now} />}
        </div>
        <section className="card" aria-labelledby="pay-heading">
          <h2 id="pay-heading">Pay</h2>
          {phase === 'expired' && (
            <div className="alert alert-error" role="alert" data-code="hold_expired" data-testid="pay-error">
              <strong>Your hold has expired.</strong> The seats were released because the time to pay ran out.{' '}
              {event && <Link to={`/events/${event.id}`}>Hold seats again</Link>}
            </div>
          )}
          {phase === 'closed' && (
            <p className="alert alert-info" role="status">
              This booking is {booking.status}. <Link to="/bookings">My bookings</Link>
            </p>
          )}
          {phase !== 'expired' && phase !== 'closed' && (
            <>
              <ErrorBox error={error} focus testId="pay-error">
                {message?.next === 'retry' && attempt.current && (
                  <p>
                    <button type="button" onClick={() => attempt.current && send(attempt.current)} disabled={paying}>
                      Retry payment
                    </button>{' '}
                    <span className="hint">(the same request again: you will not be charged twice)</span>
                  </p>
                )}
              </ErrorBox>
              {payments.provider === 'stripe' && payments.publishable_key ? (
                <StripeCardForm
                  publishableKey={payments.publishable_key}
                  paying={paying}
                  label={`Pay ${formatMoney(booking.amount_cents, booking.currency)}`}
                  onPaymentMethod={(pm) => void send(stripeAttempt(attempt.current, pm))}
                />
              ) : (
                <SandboxCardForm
                  card={card}
                  setCard={setCard}
                  cardInput={cardInput}
                  paying={paying}
                  label={`Pay ${formatMoney(booking.amount_cents, booking.currency)}`}
                  onSubmit={onSubmit}
                />
              )}
              {config.demo && payments.provider === 'sandbox' && (
                <aside className="sandbox" aria-labelledby="sandbox-heading">
                  <h3 id="sandbox-heading">Sandbox cards (demo mode)</h3>
                  <p className="hint">Any future expiry and any 3-digit CVC.</p>
                  <ul>
                    {SANDBOX_CARDS.map((c) => (
                      <li key={c.number}>
                        <button
                          type="button"
                          className="link-button"
                          onClick={() => {
                            setCard({ ...card, card_number: c.number, cvc: card.cvc || '123' });
                            cardInput.current?.focus();
                          }}
                        >
                          <code>{c.number}</code>
                        </button>{' '}
                        — {c.result}
                      </li>
                    ))}
                  </ul>
                </aside>
              )}
            </>
          )}
        </section>
      </div>
    </>
  );
}
