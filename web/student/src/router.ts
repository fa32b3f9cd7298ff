// A tiny hash router: the server serves one index.html at `/`, and hash routes survive WeChat's
// share/reload handling without server-side rewrites.
import { useSyncExternalStore } from 'react';

export interface Route {
  /** Path segments after `#/`, e.g. ['making', 'abc']. */
  parts: string[];
  query: URLSearchParams;
}

function read(): string {
  return window.location.hash.replace(/^#/, '') || '/';
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function parseRoute(hash: string): Route {
  const [path = '/', search = ''] = hash.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, read, () => '/');
  return parseRoute(hash);
}

/** Go to a route; `replace` keeps transient pages (制作中) out of the back stack. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const target = `#${path.startsWith('/') ? path : `/${path}`}`;
  if (options.replace) window.location.replace(target);
  else window.location.hash = target;
  window.scrollTo(0, 0);
}

export function goBack(fallback = '/'): void {
  if (window.history.length > 1) window.history.back();
  else navigate(fallback, { replace: true });
}
