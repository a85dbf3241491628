import { css } from 'lit';

export const appStyles = css`
  :host { display: grid; grid-template-rows: auto auto 1fr; grid-template-columns: minmax(0, 1fr); min-height: 100vh; background: var(--sh-bg); }
  /* One line, also on a 1024 px register screen with every menu item and a long name: the name gives way. */
  header {
    display: flex; align-items: center; gap: 0.5rem; padding: 0.4rem 0.75rem; flex-wrap: nowrap;
    background: var(--sh-header); color: white;
  }
  header .brand { font-weight: 700; letter-spacing: 0.02em; margin-right: 0.25rem; white-space: nowrap; }
  nav { display: flex; gap: 0.125rem; flex-wrap: nowrap; flex: none; }
  nav a {
    color: #dfe6ee; text-decoration: none; padding: 0.5rem 0.6rem; border-radius: 8px; min-height: 44px;
    box-sizing: border-box; display: inline-flex; align-items: center; white-space: nowrap; font-size: 0.95rem;
  }
  nav a[aria-current='page'] { background: rgba(255, 255, 255, 0.16); color: white; font-weight: 600; }
  header .who { margin-left: auto; display: flex; align-items: center; gap: 0.5rem; font-size: 0.9rem; min-width: 0; }
  header .who .user { min-width: 0; display: grid; line-height: 1.2; }
  header .who .user > span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  header .who .user .name { font-weight: 600; }
  header .who .user .where { font-size: 0.8rem; color: #c3ccd6; }
  header .who sh-connection-badge { flex: none; }
  header button { min-height: 40px; padding: 0 0.75rem; white-space: nowrap; flex: none; background: transparent; color: white; border-color: rgba(255, 255, 255, 0.4); }
  .banner { padding: 0.5rem 1rem; background: var(--sh-warn-bg); color: var(--sh-warn); font-weight: 600; }
  .banner.offline, .banner.refused { background: var(--sh-danger-bg); color: var(--sh-danger); }
  @media (max-width: 1100px) { header .brand { display: none; } }
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
