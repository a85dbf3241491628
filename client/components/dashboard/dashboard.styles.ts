import { css } from 'lit';

export const dashboardStyles = css`
  .kpis { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 0.75rem; margin-bottom: 1rem; }
  .kpi .value { font-size: 1.6rem; font-weight: 700; }
  .grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; }
  .wide { grid-column: 1 / -1; }
  .card h3 { margin-top: 0; display: flex; align-items: center; gap: 0.5rem; }
  .card h3 .grow { flex: 1; }
  .alerts li { margin: 0.25rem 0; }
  .alerts .serial_conflict, .alerts .solicit_repeat { color: var(--sh-danger); }
  .alerts .hold_old, .alerts .offline_sale { color: var(--sh-warn); }
  tr.low td { background: var(--sh-danger-bg); }
  .status { display: inline-flex; align-items: center; gap: 0.35rem; }
  .status i { width: 10px; height: 10px; border-radius: 50%; background: #ef4e4e; }
  .status.online i { background: #3ccf7a; }
  .status.reconnecting i { background: #f5b940; }
  .pager { display: flex; gap: 0.5rem; align-items: center; justify-content: flex-end; margin-top: 0.5rem; }
  .feed li { margin: 0.2rem 0; font-size: 0.9rem; }
  .code { font-size: 1.6rem; letter-spacing: 0.15em; font-weight: 700; }
  td input { width: 100%; }
  /* Two columns down to a 1024 px register screen; one below that. */
  @media (max-width: 900px) { .grid { grid-template-columns: 1fr; } .kpis { grid-template-columns: repeat(2, 1fr); } }
`;
