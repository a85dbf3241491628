/** The register web app: registers every component; <sh-app> in index.html takes it from there. */
import './components/app/app.js';
import './components/connection-badge/connection-badge.js';
import './components/login/login.js';
import './components/serial-lookup/serial-lookup.js';
import './components/checkout/checkout.js';
import './components/customers/customers.js';
import './components/customer-detail/customer-detail.js';
import './components/customer-picker/customer-picker.js';
import './components/chart/chart.js';
import './components/dashboard/dashboard.js';
import './components/serial-entry/serial-entry.js';
import './components/product-picker/product-picker.js';
import './components/product-form/product-form.js';
import './components/product-serials/product-serials.js';
import './components/receiving/receiving.js';
import './components/products/products.js';
import './components/product-detail/product-detail.js';
