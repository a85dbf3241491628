import { css } from 'lit';

export const productSerialsStyles = css`
  :host { display: grid; gap: 0.75rem; }
  input[type='search'] { width: 100%; }
  .list { max-height: 420px; overflow: auto; }
  thead th { position: sticky; top: 0; background: var(--sh-surface); }
  td { padding: 0.35rem 0.5rem; }
  .more { display: flex; justify-content: center; gap: 0.75rem; align-items: center; }
  a { color: var(--sh-accent); }
`;
