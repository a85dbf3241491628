import { css } from 'lit';

export const customerDetailStyles = css`
  .back {
    display: inline-flex; align-items: center; min-height: 44px; padding: 0 0.5rem; margin-left: -0.5rem;
    color: var(--sh-accent); text-decoration: none; border-radius: 8px;
  }
  .back:focus-visible, a.serial:focus-visible { outline: 3px solid var(--sh-focus); outline-offset: 1px; }
  .profile { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.5rem 2rem; }
  .profile h2 { margin: 0; flex-basis: 100%; }
  .profile dl { display: flex; flex-wrap: wrap; gap: 0.25rem 2rem; margin: 0; }
  .profile dt { font-size: 0.8rem; color: var(--sh-muted); text-transform: uppercase; }
  .profile dd { margin: 0; }
  section { margin-top: 1rem; }
  section > h3 { display: flex; align-items: baseline; gap: 0.5rem; }
  section > h3 .muted { font-weight: normal; }
  td.num, th.num { text-align: right; white-space: nowrap; }
  a.serial {
    display: inline-flex; align-items: center; min-height: 44px; padding: 0 0.6rem; margin: 0.1rem 0.25rem 0.1rem 0;
    border-radius: 8px; background: var(--sh-chip); color: var(--sh-text); text-decoration: none; box-sizing: border-box;
  }
  a.serial:hover { background: var(--sh-border); }
  a.serial.returned { text-decoration: line-through; color: var(--sh-muted); }
  .pill.active { background: var(--sh-ok-bg); color: var(--sh-ok); font-weight: 600; }
  .pill.ended { background: var(--sh-danger-bg); color: var(--sh-danger); font-weight: 600; }
  .pill.returned { background: var(--sh-warn-bg); color: var(--sh-warn); font-weight: 600; }
  .invoice { margin-bottom: 0.75rem; }
  .invoice header { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; align-items: baseline; margin-bottom: 0.25rem; }
  .invoice header .total { margin-left: auto; font-size: 1.1rem; }
  .invoice .part { color: var(--sh-muted); font-size: 0.85rem; }
  .invoice .paid { margin: 0.5rem 0 0; }
  .returns { margin: 0.5rem 0 0; padding: 0.5rem 0.75rem; list-style: none; background: var(--sh-warn-bg); border-radius: 8px; }
  .returns li { margin: 0.15rem 0; }
  .more { display: flex; justify-content: center; }
`;
