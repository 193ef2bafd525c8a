// A tiny element builder: pages are built from nodes, never from HTML strings, so nothing a record
// holds can become markup (and the CSP needs no inline anything).
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | null | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value as EventListener);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Announces a short message to screen readers (the page's polite live region). */
export function announce(message: string): void {
  const live = document.getElementById('live');
  if (!live) return;
  live.textContent = '';
  // A new text node after a tick, so repeating the same message is still read.
  setTimeout(() => (live.textContent = message), 30);
}

export function replaceMain(...children: Child[]): HTMLElement {
  const main = document.getElementById('main') as HTMLElement;
  main.replaceChildren();
  append(main, children);
  main.setAttribute('aria-busy', 'false');
  return main;
}

export function formatDate(iso: string | undefined | null): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

export function formatDateTime(iso: string | undefined | null): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }) + ' UTC';
}
