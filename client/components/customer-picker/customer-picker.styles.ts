import { css } from 'lit';

export const customerPickerStyles = css`
  /* In a narrow side panel the button wraps under the field; width: 100% keeps the field from widening the panel. */
  .search { display: flex; flex-wrap: wrap; gap: 0.5rem; }
  .search input { flex: 100 1 12rem; min-width: 0; width: 100%; }
  .search button { flex: 1 0 auto; }
  ul { list-style: none; margin: 0.5rem 0 0; padding: 0; display: grid; gap: 0.25rem; max-height: 300px; overflow: auto; }
  li button {
    width: 100%; text-align: left; display: grid; gap: 0.1rem; padding: 0.4rem 0.75rem; min-height: 48px;
  }
  li button:hover, li button:focus-visible { background: var(--sh-chip); }
  li .contact { color: var(--sh-muted); font-size: 0.85rem; }
  .chosen { display: flex; align-items: center; gap: 0.5rem; flex-wrap: wrap; }
  .chosen strong { flex: 1; min-width: 8rem; }
  .status { margin: 0.5rem 0 0; }
  .new { margin-top: 0.75rem; border-top: 1px solid var(--sh-border); padding-top: 0.75rem; }
  .new h4 { margin: 0 0 0.5rem; font-size: 1rem; }
  .heading { font-size: 0.9rem; color: var(--sh-muted); margin: 0 0 0.35rem; }
`;
