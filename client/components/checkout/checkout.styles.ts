import { css } from 'lit';

export const checkoutStyles = css`
  .layout { display: grid; grid-template-columns: minmax(0, 1fr) 300px; gap: 1rem; align-items: start; }
  .scan { display: flex; gap: 0.5rem; margin-bottom: 0.75rem; }
  .scan input { flex: 1; font-size: 1.1rem; }
  .results { margin: -0.25rem 0 0.75rem; }
  .results button { display: flex; width: 100%; justify-content: space-between; margin-bottom: 0.25rem; text-align: left; }
  td.serial { min-width: 220px; }
  td.serial input { width: 160px; }
  td.serial button.small { padding: 0 0.75rem; margin-left: 0.25rem; }
  td.num, th.num { text-align: right; white-space: nowrap; }
  .qty { display: inline-flex; align-items: center; gap: 0.25rem; }
  .qty button { min-width: 40px; padding: 0; }
  .lost-note { display: block; color: var(--sh-danger); font-size: 0.85rem; }
  .picker { margin-top: 0.5rem; max-height: 220px; overflow: auto; border: 1px solid var(--sh-border); border-radius: 8px; padding: 0.25rem; }
  .picker button { margin: 0.15rem; min-height: 38px; }
  .picker button.locked { opacity: 0.6; background: var(--sh-warn-bg); cursor: not-allowed; }
  aside { display: grid; gap: 0.75rem; }
  .total { font-size: 2rem; font-weight: 700; }
  .pay { display: grid; gap: 0.5rem; }
  .pay input { width: 100%; }
  kbd { font: 600 0.75rem ui-monospace, SFMono-Regular, Menlo, monospace; padding: 0.05rem 0.35rem; border-radius: 4px;
    border: 1px solid currentColor; opacity: 0.8; margin-left: 0.35rem; }
  .next-scan { margin: 0.75rem 0 0; }
  .notice { padding: 0.5rem 0.75rem; border-radius: 8px; background: var(--sh-warn-bg); color: var(--sh-warn); margin-bottom: 0.75rem; }
  .receipt { max-width: 420px; margin: 0 auto; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
  .receipt table td, .receipt table th { border: none; padding: 0.15rem 0; }
  .receipt .sn { font-size: 0.85rem; color: var(--sh-muted); }
  @media (max-width: 900px) { .layout { grid-template-columns: 1fr; } }
  @media print {
    .no-print { display: none !important; }
    .receipt { max-width: none; margin: 0; font-size: 12px; }
    .card { border: none; padding: 0; }
  }
`;
