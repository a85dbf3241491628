import { css } from 'lit';

export const receivingStyles = css`
  :host { display: grid; gap: 1rem; }
  h2 { margin: 0; }
  section.card { display: grid; gap: 0.75rem; }
  section.card h3 { margin: 0; }
  /* The send bar stays in view at 1024x768 while the list grows. */
  section.send { position: sticky; bottom: 0; z-index: 2; gap: 0.5rem; padding: 0.6rem 1rem;
    box-shadow: 0 -6px 18px rgba(15, 23, 42, 0.08); }
  .lines td { vertical-align: top; }
  .lines tr.active td { background: #eef4ff; }
  .lines tr[data-line] { cursor: pointer; }
  .lines input[type='number'] { width: 6.5rem; }
  .lines .problems td { padding-top: 0; border-bottom-width: 1px; cursor: default; }
  .lines .problems ul { margin: 0; padding-left: 1.1rem; }
  .lines tr.has-problems td { border-bottom: none; }
  .lines .name { color: var(--sh-muted); font-size: 0.9rem; }
  .editor-grid { display: grid; grid-template-columns: minmax(280px, 5fr) 6fr; gap: 1rem; align-items: start; }
  .checks { display: flex; flex-wrap: wrap; gap: 0.4rem; }
  .chip { display: inline-flex; align-items: center; min-height: 32px; padding: 0 0.7rem; border-radius: 999px;
    background: var(--sh-chip); font-size: 0.9rem; font-weight: 600; }
  .chip.good { background: var(--sh-ok-bg); color: var(--sh-ok); }
  .chip.bad { background: var(--sh-danger-bg); color: var(--sh-danger); }
  .chip.warn { background: var(--sh-warn-bg); color: var(--sh-warn); }
  .batch { display: grid; gap: 0.5rem; }
  .serials { max-height: 340px; overflow: auto; border: 1px solid var(--sh-border); border-radius: 10px; }
  .serials table { table-layout: fixed; }
  .serials table td { padding: 0.15rem 0.5rem; overflow-wrap: anywhere; }
  .serials td.n { color: var(--sh-muted); width: 3.5rem; font-size: 0.85rem; }
  .serials td.verdict { width: 9.5rem; }
  .serials td.remove { width: 3.5rem; }
  .serials tr.flag-duplicate td, .serials tr.flag-refused td { background: var(--sh-danger-bg); }
  .serials tr.flag-in_stock td { background: var(--sh-danger-bg); }
  .serials tr.flag-checking td { background: #f5f7fa; }
  .serials .verdict { font-size: 0.85rem; }
  .serials button { min-height: 36px; padding: 0 0.6rem; }
  .serials caption { text-align: left; padding: 0.4rem 0.5rem; font-size: 0.85rem; color: var(--sh-muted); }
  .submit-row { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; }
  .submit-row input { flex: 1; min-width: 240px; }
  .progress { display: grid; gap: 0.25rem; }
  .refusal:focus { outline: 3px solid var(--sh-focus); }
  .refusal { border: 1px solid var(--sh-danger); background: var(--sh-danger-bg); color: var(--sh-danger);
    border-radius: 10px; padding: 0.75rem 1rem; }
  .refusal ul { margin: 0.5rem 0 0; padding-left: 1.2rem; color: var(--sh-text); }
  progress { width: 100%; height: 18px; }
  .summary a { color: var(--sh-accent); }
  .summary .totals { font-size: 1.2rem; margin: 0; }
  .summary .totals strong { font-size: 1.5rem; }
  .empty { margin: 0; }
  @media (max-width: 900px) {
    .editor-grid { grid-template-columns: 1fr; }
  }
`;
