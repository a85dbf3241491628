/** The register web app: registers every component; <sh-app> in index.html takes it from there. */
import './components/app/app.js';
import './components/connection-badge/connection-badge.js';
import './components/login/login.js';
import './components/serial-lookup/serial-lookup.js';
import './components/checkout/checkout.js';
