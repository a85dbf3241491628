import { css } from 'lit';

export const serialEntryStyles = css`
  :host { display: grid; gap: 0.75rem; }
  .scan input { width: 100%; font-size: 1.15rem; min-height: 52px; }
  .scan .hint { margin: 0.25rem 0 0; }
  details { border: 1px solid var(--sh-border); border-radius: 10px; padding: 0 0.75rem; }
  details[open] { padding-bottom: 0.75rem; }
  summary { min-height: 44px; display: flex; align-items: center; cursor: pointer; font-weight: 600; }
  textarea { width: 100%; min-height: 8rem; resize: vertical; }
  .file { color: var(--sh-text); font-size: 1rem; }
  .file input { min-height: 44px; padding: 0.5rem 0; border: none; background: transparent; }
  p { margin: 0.25rem 0 0; }
  .note-ok { color: var(--sh-ok); font-size: 0.9rem; }
  .note-warn { color: var(--sh-warn); font-size: 0.9rem; font-weight: 600; }
  .note-error { color: var(--sh-danger); font-size: 0.9rem; font-weight: 600; }
`;
