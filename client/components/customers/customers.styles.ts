import { css } from 'lit';

export const customersStyles = css`
  .layout { display: grid; grid-template-columns: minmax(0, 1fr) 320px; gap: 1rem; align-items: start; }
  @media (max-width: 820px) { .layout { grid-template-columns: 1fr; } }
  form.search { display: flex; gap: 0.5rem; margin-bottom: 0.75rem; }
  form.search input { flex: 1; min-width: 0; }
  tbody tr { cursor: pointer; }
  tbody tr:hover { background: var(--sh-bg); }
  td a {
    color: var(--sh-accent); font-weight: 600; text-decoration: none; display: inline-flex; align-items: center;
    min-height: 44px; padding: 0 0.25rem; border-radius: 6px;
  }
  td a:focus-visible { outline: 3px solid var(--sh-focus); outline-offset: 1px; }
  td.contact { color: var(--sh-muted); font-size: 0.9rem; }
  .footer { display: flex; align-items: center; gap: 0.75rem; margin-top: 0.75rem; }
  aside h3 { margin-top: 0; }
`;
