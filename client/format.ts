/** Money, dates and durations as a store shows them. */
const money = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' });

export const formatCents = (cents: number) => money.format(cents / 100);

/** "12.50" or "12,5" typed by a cashier -> cents, or null. */
export function parseMoney(text: string): number | null {
  const t = text.trim().replace(',', '.');
  if (!/^\d+(\.\d{0,2})?$/.test(t)) return null;
  return Math.round(Number(t) * 100);
}

export const formatDate = (ms: number) => new Date(ms).toLocaleDateString();
export const formatDateTime = (ms: number) => new Date(ms).toLocaleString();

export function formatTimeLeft(ms: number): string {
  if (ms <= 0) return 'expired';
  const s = Math.ceil(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
