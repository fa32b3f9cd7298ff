import { lazy, Suspense, useState } from 'react';
import type { SupportContact } from '../../../../src/domain/api.js';

const SupportSheet = lazy(() => import('./SupportPopup.js'));

/** The round service avatar in the corner of the home page; opens the support sheet. */
export function ServiceAvatar({ contacts }: { contacts: SupportContact[] }) {
  const [open, setOpen] = useState(false);
  const [wanted, setWanted] = useState(false);
  return (
    <>
      <button
        type="button"
        className="service-avatar"
        aria-label="联系客服"
        onClick={() => {
          setWanted(true);
          setOpen(true);
        }}
      >
        <svg viewBox="0 0 48 48" width="30" height="30" aria-hidden="true">
          <path
            d="M24 6a14 14 0 0 0-14 14v7a4 4 0 0 0 4 4h3V20h-3a10 10 0 0 1 20 0h-3v11h3v2a4 4 0 0 1-4 4h-5v3h5a7 7 0 0 0 7-7v-4a4 4 0 0 0 1-2.7V20A14 14 0 0 0 24 6Z"
            fill="currentColor"
          />
        </svg>
        <span>客服</span>
      </button>
      {wanted ? (
        <Suspense fallback={null}>
          <SupportSheet contacts={contacts} open={open} setOpen={setOpen} />
        </Suspense>
      ) : null}
    </>
  );
}
