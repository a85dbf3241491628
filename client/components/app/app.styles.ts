import { css } from 'lit';

export const appStyles = css`
  :host { display: grid; grid-template-rows: auto auto 1fr; min-height: 100vh; background: var(--sh-bg); }
  header {
    display: flex; align-items: center; gap: 0.75rem; padding: 0.5rem 1rem;
    background: var(--sh-header); color: white;
  }
  header .brand { font-weight: 700; letter-spacing: 0.02em; margin-right: 0.5rem; }
  nav { display: flex; gap: 0.25rem; flex-wrap: wrap; }
  nav a {
    color: #dfe6ee; text-decoration: none; padding: 0.55rem 0.8rem; border-radius: 8px; min-height: 44px;
    box-sizing: border-box; display: inline-flex; align-items: center;
  }
  nav a[aria-current='page'] { background: rgba(255, 255, 255, 0.16); color: white; font-weight: 600; }
  header .who { margin-left: auto; display: flex; align-items: center; gap: 0.75rem; font-size: 0.9rem; }
  header button { min-height: 40px; background: transparent; color: white; border-color: rgba(255, 255, 255, 0.4); }
  .banner { padding: 0.5rem 1rem; background: var(--sh-warn-bg); color: var(--sh-warn); font-weight: 600; }
  .banner.offline, .banner.refused { background: var(--sh-danger-bg); color: var(--sh-danger); }
  main { padding: 1rem; max-width: 1280px; width: 100%; box-sizing: border-box; margin: 0 auto; }
  .toasts { position: fixed; bottom: 1rem; right: 1rem; display: grid; gap: 0.5rem; z-index: 10; }
  .toast { padding: 0.75rem 1rem; border-radius: 10px; background: #1f2933; color: white; box-shadow: 0 4px 16px rgba(0,0,0,.2); }
  .toast.error { background: var(--sh-danger); }
  .toast.success { background: var(--sh-ok); }
  dialog { border: none; border-radius: 14px; padding: 1rem; width: min(720px, 92vw); box-shadow: 0 12px 40px rgba(0,0,0,.3); }
  dialog::backdrop { background: rgba(15, 23, 42, 0.45); }
  @media print {
    header, .banner, .toasts, nav { display: none !important; }
    main { padding: 0; }
  }
`;
