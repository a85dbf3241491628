import { css } from 'lit';

export const productPickerStyles = css`
  :host { display: block; position: relative; }
  input { width: 100%; }
  ul {
    position: absolute; z-index: 5; left: 0; right: 0; margin: 0.25rem 0 0; padding: 0.25rem; list-style: none;
    background: var(--sh-surface); border: 1px solid var(--sh-border); border-radius: 10px;
    box-shadow: 0 8px 24px rgba(15, 23, 42, 0.15); max-height: 320px; overflow: auto;
  }
  li {
    display: flex; gap: 0.75rem; align-items: center; min-height: 44px; padding: 0 0.75rem; border-radius: 8px;
    cursor: pointer;
  }
  li[aria-selected='true'] { background: var(--sh-chip); }
  li .part { font-weight: 600; min-width: 7rem; }
  li .name { flex: 1; }
  .empty { padding: 0.75rem; }
`;
