// Route table. Every page but Home is lazy so the first screen downloads only what it shows.
import { type ComponentType, lazy, Suspense } from 'react';
import { REMINDER_OPT_OUT_PARAM } from '../../../src/domain/reminders.js';
import { Home } from './pages/Home.js';
import { type Route, useRoute } from './router.js';

type PageProps = { route: Route };

const pages: Record<string, ComponentType<PageProps>> = {
  rules: lazy(() => import('./pages/Rules.js')),
  identity: lazy(() => import('./pages/Identity.js')),
  agreement: lazy(() => import('./pages/Agreement.js')),
  tips: lazy(() => import('./pages/Tips.js')),
  camera: lazy(() => import('./pages/Camera.js')),
  making: lazy(() => import('./pages/Making.js')),
  result: lazy(() => import('./pages/Result.js')),
  check: lazy(() => import('./pages/Check.js')),
  success: lazy(() => import('./pages/Success.js')),
  photos: lazy(() => import('./pages/Photos.js')),
  faq: lazy(() => import('./pages/Faq.js')),
};

// The opt-out link of a reminder (/?unsubscribe=<token>): its own page, whatever the hash says.
const Unsubscribe = lazy(() => import('./pages/Unsubscribe.js'));
const optOutToken = new URLSearchParams(window.location.search).get(REMINDER_OPT_OUT_PARAM);

function PageFallback() {
  return (
    <div className="center-fill">
      <span className="spinner" role="progressbar" aria-label="加载中" />
    </div>
  );
}

export function App() {
  const route = useRoute();
  if (optOutToken !== null && route.parts.length === 0) {
    return (
      <Suspense fallback={<PageFallback />}>
        <Unsubscribe token={optOutToken} />
      </Suspense>
    );
  }
  const Page = pages[route.parts[0] ?? ''];
  if (!Page) return <Home />;
  return (
    <Suspense fallback={<PageFallback />}>
      <Page route={route} />
    </Suspense>
  );
}
