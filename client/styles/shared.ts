/** Styles every view shares: touch-sized controls, tables, messages. Colours come from index.html's theme. */
import { css } from 'lit';

export const sharedStyles = css`
  :host {
    display: block;
    color: var(--sh-text);
    font: 16px/1.4 var(--sh-font);
  }
  h2 { margin: 0 0 0.75rem; font-size: 1.3rem; }
  h3 { margin: 1rem 0 0.5rem; font-size: 1.05rem; }
  button, .button {
    min-height: 44px;
    padding: 0 1rem;
    border-radius: 8px;
    border: 1px solid var(--sh-border);
    background: var(--sh-surface);
    color: var(--sh-text);
    font: inherit;
    cursor: pointer;
  }
  button.primary { background: var(--sh-accent); border-color: var(--sh-accent); color: white; font-weight: 600; }
  button.danger { color: var(--sh-danger); border-color: var(--sh-danger); }
  button:disabled { opacity: 0.5; cursor: default; }
  button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible {
    outline: 3px solid var(--sh-focus);
    outline-offset: 1px;
  }
  input, select, textarea {
    min-height: 44px;
    box-sizing: border-box;
    padding: 0 0.75rem;
    border-radius: 8px;
    border: 1px solid var(--sh-border);
    background: var(--sh-surface);
    color: var(--sh-text);
    font: inherit;
  }
  textarea { padding: 0.5rem 0.75rem; }
  label { display: grid; gap: 0.25rem; font-size: 0.9rem; color: var(--sh-muted); }
  table { width: 100%; border-collapse: collapse; }
  th { text-align: left; font-size: 0.8rem; text-transform: uppercase; color: var(--sh-muted); font-weight: 600; }
  th, td { padding: 0.5rem; border-bottom: 1px solid var(--sh-border); vertical-align: middle; }
  .error { color: var(--sh-danger); font-size: 0.9rem; }
  .ok { color: var(--sh-ok); }
  .muted { color: var(--sh-muted); font-size: 0.9rem; }
  .row { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; }
  .grow { flex: 1; }
  .card { background: var(--sh-surface); border: 1px solid var(--sh-border); border-radius: 12px; padding: 1rem; }
  .pill { display: inline-block; padding: 0.1rem 0.6rem; border-radius: 999px; font-size: 0.8rem; background: var(--sh-chip); }
  .pill.held { background: var(--sh-warn-bg); color: var(--sh-warn); }
  .pill.lost { background: var(--sh-danger-bg); color: var(--sh-danger); }
  .pill.sold { background: var(--sh-ok-bg); color: var(--sh-ok); }
  .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
`;
