import { css } from 'lit';

export const customerFormStyles = css`
  form { display: grid; gap: 0.75rem; }
  input { width: 100%; font-size: 1rem; color: var(--sh-text); }
  input[aria-invalid='true'] { border-color: var(--sh-danger); }
  .field-error { color: var(--sh-danger); font-size: 0.85rem; margin: 0; }
  .actions { display: flex; gap: 0.5rem; flex-wrap: wrap; }
  .actions button.primary { flex: 1; }
  .hint { color: var(--sh-muted); font-size: 0.8rem; }
`;
