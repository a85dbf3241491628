import { css } from 'lit';

export const productsStyles = css`
  :host { display: grid; gap: 1rem; }
  .head { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; }
  .head h2 { margin: 0; }
  .head input[type='search'] { flex: 1; min-width: 220px; }
  tbody tr { cursor: pointer; }
  tbody tr:hover td, tbody tr:focus-visible td { background: #eef4ff; }
  tbody tr:focus-visible { outline: 3px solid var(--sh-focus); outline-offset: -3px; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .name { color: var(--sh-muted); }
  .pill.low { background: var(--sh-warn-bg); color: var(--sh-warn); }
  .pill.out { background: var(--sh-danger-bg); color: var(--sh-danger); }
  .created { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; background: var(--sh-ok-bg);
    color: var(--sh-ok); border-radius: 10px; padding: 0.5rem 1rem; font-weight: 600; }
  .more { display: flex; justify-content: center; padding-top: 0.75rem; }
  a { color: inherit; text-decoration: none; }
`;
