import { css } from 'lit';

export const productFormStyles = css`
  form { display: grid; gap: 0.75rem; }
  .grid { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 0.75rem 1rem; align-items: start; }
  .span2 { grid-column: span 2; }
  .span3 { grid-column: span 3; }
  .wide { grid-column: 1 / -1; }
  @media (max-width: 700px) {
    .grid { grid-template-columns: 1fr; }
    .span2, .span3 { grid-column: auto; }
  }
  input, select { width: 100%; }
  .check { display: flex; align-items: center; align-self: end; gap: 0.6rem; min-height: 44px; color: var(--sh-text); font-size: 1rem; }
  .check input { width: 22px; height: 22px; min-height: 0; margin: 0; }
  .field-error { color: var(--sh-danger); font-size: 0.85rem; font-weight: 600; }
  .hint { color: var(--sh-muted); font-size: 0.85rem; }
  [aria-invalid='true'] { border-color: var(--sh-danger); }
`;
