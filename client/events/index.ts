/** The app's custom events, typed in one place. */
import type { Customer } from '../../protocol/schemas.js';

export interface NavigateDetail {
  /** A hash route, e.g. "#/products/12". */
  to: string;
}
export interface ToastDetail {
  message: string;
  kind?: 'info' | 'success' | 'error';
}

/** A customer chosen in <sh-customer-picker>; id null when the customer was taken off (name is then ''). */
export interface CustomerPickedDetail {
  id: number | null;
  name: string;
}

export type NavigateEvent = CustomEvent<NavigateDetail>;
export type ToastEvent = CustomEvent<ToastDetail>;

export function navigate(from: EventTarget, to: string) {
  from.dispatchEvent(new CustomEvent<NavigateDetail>('sh-navigate', { detail: { to }, bubbles: true, composed: true }));
}

export function toast(from: EventTarget, message: string, kind: ToastDetail['kind'] = 'info') {
  from.dispatchEvent(new CustomEvent<ToastDetail>('sh-toast', { detail: { message, kind }, bubbles: true, composed: true }));
}

declare global {
  interface GlobalEventHandlersEventMap {
    'sh-navigate': NavigateEvent;
    'sh-toast': ToastEvent;
    'sh-customer-picked': CustomEvent<CustomerPickedDetail>;
    'sh-customer-created': CustomEvent<Customer>;
  }
}
