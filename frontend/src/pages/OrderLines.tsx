// A booking's lines, its promo code's discount and the total, as the checkout's order summary shows them.
import type { TicketedBooking } from '../api/tickets';
import { formatMoney } from '../checkout/state';

export function OrderLines({ booking }: { booking: TicketedBooking }) {
  const money = (cents: number) => formatMoney(cents, booking.currency);
  const lines = booking.lines ?? [];
  const discount = booking.discount_cents ?? 0;
  if (lines.length === 0) {
    return (
      <p>
        {booking.quantity} seat{booking.quantity === 1 ? '' : 's'} · <strong data-testid="amount">{money(booking.amount_cents)}</strong>
      </p>
    );
  }
  const subtotal = lines.reduce((sum, l) => sum + l.quantity * l.unit_price_cents, 0);
  return (
    <table className="order-lines" data-testid="order-lines">
      <caption className="sr-only">Your tickets and the total</caption>
      <thead className="sr-only">
        <tr>
          <th scope="col">Ticket</th>
          <th scope="col">Amount</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((line) => (
          <tr key={line.ticket_type_id} data-testid="order-line">
            <th scope="row">
              {line.quantity} × {line.name} <span className="muted">at {money(line.unit_price_cents)}</span>
            </th>
            <td className="num">{money(line.quantity * line.unit_price_cents)}</td>
          </tr>
        ))}
        {discount > 0 && (
          <>
            <tr>
              <th scope="row">Subtotal</th>
              <td className="num">{money(subtotal)}</td>
            </tr>
            <tr className="discount">
              <th scope="row">
                Promo code {booking.promo_code && <code>{booking.promo_code}</code>}
              </th>
              <td className="num" data-testid="discount">
                −{money(discount)}
              </td>
            </tr>
          </>
        )}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">Total</th>
          <td className="num">
            <strong data-testid="amount">{money(booking.amount_cents)}</strong>
          </td>
        </tr>
      </tfoot>
    </table>
  );
}
