/**
 * Serial entry for one product: a scanner field (scanners type fast and end with Enter: each Enter adds one
 * serial and the focus stays for the next scan), a paste box, and CSV import. Serials are cleaned up with the
 * hub's rules; what cannot be a serial is reported here, next to the field it came from, and the rest goes out
 * in one `sh-serials-entered` event.
 */
import { LitElement, html, nothing } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import Papa from 'papaparse';
import { sharedStyles } from '../../styles/shared.js';
import { cleanSerials, serialsFromCsvRows, splitSerialText } from './serial-text.js';
import { serialEntryStyles } from './serial-entry.styles.js';

/** Invalid entries named in a message at most. */
const INVALID_SHOWN = 5;

export type SerialSource = 'scan' | 'paste' | 'csv';

export interface SerialsEnteredDetail {
  /** Cleaned-up serials, in the order given (repeats kept). */
  serials: string[];
  source: SerialSource;
}
export type SerialsEnteredEvent = CustomEvent<SerialsEnteredDetail>;

/** A message under the scan field, set by the view after it judged a scan (e.g. "already in stock"). */
export interface ScanNote {
  text: string;
  kind: 'ok' | 'warn' | 'error';
}

function describeInvalid(invalid: string[]): string {
  const shown = invalid.slice(0, INVALID_SHOWN).map((s) => `“${s.length > 30 ? `${s.slice(0, 30)}…` : s}”`).join(', ');
  const more = invalid.length > INVALID_SHOWN ? ` and ${invalid.length - INVALID_SHOWN} more` : '';
  return `${invalid.length} not added: not a serial (1–64 letters, digits or symbols, no spaces): ${shown}${more}.`;
}

export class ShSerialEntry extends LitElement {
  static override styles = [sharedStyles, serialEntryStyles];

  @query('input[name=scan]') private scanInput!: HTMLInputElement;
  @query('textarea') private pasteBox!: HTMLTextAreaElement;

  @state() private scanError = '';
  @state() private pasteNote: ScanNote | null = null;
  @state() private csvNote: ScanNote | null = null;
  @state() private reading = false;

  /** Keep the letters' case (the product's serialCaseSensitive); otherwise a-z are upper-cased. */
  @property({ type: Boolean }) caseSensitive = false;
  /** Turns every field off (e.g. while the receipt is being sent). */
  @property({ type: Boolean }) disabled = false;
  /** Label of the scan field. */
  @property() label = 'Scan serial';
  /** The view's verdict on the last scan, shown under the scan field. */
  @property({ attribute: false }) note: ScanNote | null = null;

  private emit(serials: string[], source: SerialSource) {
    this.dispatchEvent(
      new CustomEvent<SerialsEnteredDetail>('sh-serials-entered', { detail: { serials, source }, bubbles: true, composed: true }),
    );
  }

  private handleScanKeydown(e: KeyboardEvent) {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const raw = this.scanInput.value;
    if (!raw.trim()) return;
    const { valid, invalid } = cleanSerials([raw], this.caseSensitive);
    this.scanInput.value = '';
    this.scanError = invalid.length ? describeInvalid(invalid) : '';
    if (valid.length) this.emit(valid, 'scan');
    this.scanInput.focus();
  }

  private handleScanInput() {
    if (this.scanError) this.scanError = '';
  }

  private handlePaste() {
    const raws = splitSerialText(this.pasteBox.value);
    if (raws.length === 0) {
      this.pasteNote = { text: 'Paste serials first: one per line, or separated by commas or spaces.', kind: 'error' };
      return;
    }
    const { valid, invalid } = cleanSerials(raws, this.caseSensitive);
    this.pasteNote = invalid.length
      ? { text: `${valid.length} added. ${describeInvalid(invalid)}`, kind: 'warn' }
      : { text: `${valid.length} added.`, kind: 'ok' };
    this.pasteBox.value = '';
    if (valid.length) this.emit(valid, 'paste');
    this.focusScan();
  }

  private handleFile(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    this.reading = true;
    this.csvNote = null;
    Papa.parse<string[]>(file, {
      skipEmptyLines: 'greedy',
      complete: (result) => {
        this.reading = false;
        input.value = '';
        const raws = serialsFromCsvRows(result.data);
        if (raws.length === 0) {
          this.csvNote = { text: `${file.name} holds no serials.`, kind: 'error' };
          return;
        }
        const { valid, invalid } = cleanSerials(raws, this.caseSensitive);
        this.csvNote = invalid.length
          ? { text: `${valid.length} read from ${file.name}. ${describeInvalid(invalid)}`, kind: 'warn' }
          : { text: `${valid.length} read from ${file.name}.`, kind: 'ok' };
        if (valid.length) this.emit(valid, 'csv');
        this.focusScan();
      },
      error: (err) => {
        this.reading = false;
        input.value = '';
        this.csvNote = { text: `${file.name} could not be read: ${err.message}`, kind: 'error' };
      },
    });
  }

  private renderNote(note: ScanNote | null) {
    return note ? html`<p class="note-${note.kind}" role=${note.kind === 'ok' ? 'status' : 'alert'}>${note.text}</p>` : nothing;
  }

  override render() {
    return html`
      <label class="scan">
        ${this.label}
        <input
          name="scan"
          autocomplete="off"
          autocapitalize="off"
          spellcheck="false"
          enterkeyhint="enter"
          placeholder="Scan or type a serial, then Enter"
          ?disabled=${this.disabled}
          aria-invalid=${this.scanError ? 'true' : 'false'}
          @keydown=${this.handleScanKeydown}
          @input=${this.handleScanInput}
        />
      </label>
      ${this.scanError ? html`<p class="note-error" role="alert">${this.scanError}</p>` : this.renderNote(this.note)}
      <details>
        <summary>Paste a list</summary>
        <label>
          Serials: one per line, or separated by commas or spaces
          <textarea name="paste" aria-label="Paste serials" ?disabled=${this.disabled} spellcheck="false"></textarea>
        </label>
        <div class="row" style="margin-top:0.5rem">
          <button type="button" ?disabled=${this.disabled} @click=${this.handlePaste}>Add pasted serials</button>
        </div>
        ${this.renderNote(this.pasteNote)}
      </details>
      <div>
        <label class="file">
          <span>Import CSV <span class="muted">(first column, or a column named “serial”)</span></span>
          <input type="file" accept=".csv,.txt,text/csv,text/plain" aria-label="Import CSV" ?disabled=${this.disabled || this.reading}
            @change=${this.handleFile} />
        </label>
        ${this.reading ? html`<p class="muted" role="status">Reading the file…</p>` : this.renderNote(this.csvNote)}
      </div>
    `;
  }

  /** Puts the focus in the scan field, where the next scan belongs. */
  focusScan() {
    void this.updateComplete.then(() => this.scanInput?.focus());
  }

  /** Forgets the paste and file messages (a new product or a new receipt). */
  reset() {
    this.scanError = '';
    this.pasteNote = null;
    this.csvNote = null;
    if (this.pasteBox) this.pasteBox.value = '';
  }
}
