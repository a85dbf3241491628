/**
 * A bar chart (Chart.js) that redraws when its data changes, at most once a second: a busy store changes
 * the figures many times a second, and a chart that animates constantly is unreadable. `data-state` says
 * whether the canvas shows the latest figures (`drawn`) or a redraw is due (`pending`).
 */
import type { Chart, ChartDataset } from 'chart.js';
import { LitElement, css, html, type PropertyValues } from 'lit';
import { property, query } from 'lit/decorators.js';

/**
 * Chart.js is loaded the first time a chart is drawn: only the dashboard draws charts, so a register's app
 * (checkout, receiving) starts without it (it is about a third of the app's code).
 */
let chartJs: Promise<typeof Chart> | null = null;
function loadChartJs(): Promise<typeof Chart> {
  chartJs ??= import('chart.js').then(({ BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip }) => {
    Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);
    return Chart;
  });
  return chartJs;
}

const REDRAW_MS = 1_000;

export class ShBarChart extends LitElement {
  static override styles = css`
    :host { display: block; position: relative; height: 220px; }
    canvas { width: 100% !important; height: 100% !important; }
  `;

  @query('canvas') private canvas!: HTMLCanvasElement;

  /** Category labels (x axis, or y axis when horizontal). */
  @property({ attribute: false }) labels: string[] = [];
  /** One dataset per series. */
  @property({ attribute: false }) datasets: ChartDataset<'bar', number[]>[] = [];
  /** Bars run left to right. */
  @property({ type: Boolean }) horizontal = false;
  /** Stack the series. */
  @property({ type: Boolean }) stacked = false;

  private chart: Chart<'bar', number[], string> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastDraw = 0;

  override firstUpdated() {
    void this.createChart();
  }

  override connectedCallback() {
    super.connectedCallback();
    if (this.hasUpdated && !this.chart) void this.createChart();
  }

  private async createChart() {
    this.dataset.state = 'pending';
    const ChartClass = await loadChartJs();
    if (!this.isConnected || this.chart) return; // removed meanwhile, or drawn by an earlier call
    this.chart = new ChartClass<'bar', number[], string>(this.canvas, {
      type: 'bar',
      data: { labels: this.labels, datasets: this.datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: this.horizontal ? 'y' : 'x',
        scales: { x: { stacked: this.stacked }, y: { stacked: this.stacked, beginAtZero: true } },
        plugins: { legend: { display: this.datasets.length > 1 } },
      },
    });
    this.dataset.state = 'drawn';
  }

  override updated(changed: PropertyValues<this>) {
    if (!this.chart || !(changed.has('labels') || changed.has('datasets')) || this.timer) return;
    // At most one redraw a second: now if the last one is older, else when the second is up.
    const wait = Math.max(0, this.lastDraw + REDRAW_MS - Date.now());
    this.dataset.state = 'pending';
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.chart) return;
      this.lastDraw = Date.now();
      this.chart.data.labels = this.labels;
      this.chart.data.datasets = this.datasets;
      this.chart.update('none');
      this.dataset.state = 'drawn';
    }, wait);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    if (this.timer) clearTimeout(this.timer);
    this.chart?.destroy();
    this.chart = null;
  }

  override render() {
    return html`<canvas role="img" aria-label=${this.getAttribute('aria-label') ?? 'chart'}></canvas>`;
  }
}
