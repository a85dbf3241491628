import { css } from 'lit';

export const returnsStyles = css`
  :host { display: grid; gap: 0.75rem; }
  h2, h3 { margin: 0; }
  section.card { display: grid; gap: 0.75rem; }
  .finder form { display: flex; gap: 0.5rem; align-items: end; }
  .finder input { width: 100%; }
  .candidates { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.4rem; }
  .head { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; align-items: baseline; }
  .head a { color: var(--sh-accent); }
  .head .total { margin-left: auto; font-size: 1.1rem; }
  td.num, th.num { text-align: right; white-space: nowrap; }
  td { vertical-align: top; }
  .serials { display: flex; flex-wrap: wrap; gap: 0.4rem; }
  label.serial {
    display: inline-flex; flex-direction: row; align-items: center; gap: 0.4rem; min-height: 44px; padding: 0 0.7rem;
    border: 1px solid var(--sh-border); border-radius: 8px; color: var(--sh-text); font-size: 1rem; cursor: pointer;
  }
  label.serial input { width: 22px; height: 22px; min-height: 0; }
  label.serial.returned { color: var(--sh-muted); cursor: default; }
  label.serial.returned .mono { text-decoration: line-through; }
  input[type='number'] { width: 6rem; }
  input[name='reason'] { max-width: 28rem; }
  .pill.returned { background: var(--sh-warn-bg); color: var(--sh-warn); font-weight: 600; }
  .refund { font-size: 1.1rem; margin: 0; }
  .note { margin: 0; padding: 0.5rem 0.75rem; border-radius: 8px; background: var(--sh-warn-bg); color: var(--sh-warn); }
  .refusal { margin: 0; padding: 0.5rem 0.75rem; border-radius: 8px; background: var(--sh-danger-bg); font-size: 1rem; }
  .done h3 { color: var(--sh-ok); }
`;
