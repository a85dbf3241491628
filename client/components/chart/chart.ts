import { ShBarChart } from './chart.component.js';

customElements.define('sh-bar-chart', ShBarChart);

declare global {
  interface HTMLElementTagNameMap {
    'sh-bar-chart': ShBarChart;
  }
}
