import { css } from 'lit';

export const productDetailStyles = css`
  :host { display: grid; gap: 1rem; }
  .back { display: inline-flex; align-items: center; min-height: 44px; color: var(--sh-accent); text-decoration: none; }
  .title { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; }
  .title h2 { margin: 0; }
  .stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 0.75rem; }
  .stat { background: var(--sh-surface); border: 1px solid var(--sh-border); border-radius: 12px; padding: 0.75rem 1rem; }
  .stat span { display: block; color: var(--sh-muted); font-size: 0.85rem; }
  .stat strong { font-size: 1.6rem; font-variant-numeric: tabular-nums; }
  .stat.low strong { color: var(--sh-warn); }
  .stat.out strong { color: var(--sh-danger); }
  dl { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 0.4rem 1rem; margin: 0.5rem 0 0; }
  @media (max-width: 800px) {
    dl { grid-template-columns: max-content 1fr; }
  }
  dt { color: var(--sh-muted); }
  dd { margin: 0; }
  .card-head { display: flex; justify-content: space-between; align-items: center; gap: 0.75rem; flex-wrap: wrap; }
  .card-head h3 { margin: 0; }
  [role='tablist'] { display: flex; gap: 0.25rem; border-bottom: 1px solid var(--sh-border); margin-bottom: 0.75rem; flex-wrap: wrap; }
  [role='tab'] { border: none; border-radius: 8px 8px 0 0; background: transparent; border-bottom: 3px solid transparent; }
  [role='tab'][aria-selected='true'] { border-bottom-color: var(--sh-accent); font-weight: 700; }
  .held td { padding: 0.35rem 0.5rem; }
  .time-left { font-variant-numeric: tabular-nums; font-weight: 600; }
  .time-left.soon { color: var(--sh-danger); }
  .convert { border: 1px dashed var(--sh-warn); border-radius: 10px; padding: 0.75rem; display: grid; gap: 0.5rem; }
  .convert p { margin: 0; }
  .convert .list { max-height: 160px; overflow: auto; font-size: 0.9rem; }
  .exporting { display: flex; gap: 0.5rem; align-items: center; }
`;
