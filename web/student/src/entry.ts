// The learning centre's entry link the app was opened by (/?c=<centre code>&k=<campaign id>,
// src/domain/entry.ts): its contacts replace the general ones on the home page, and each upload
// says which link it came in by. Kept for the tab's life: the hash routes keep the query, but a
// WeChat share or an album round-trip may not.
import { useEffect, useState } from 'react';
import { ENTRY_QUERY, type EntryInfo } from '../../../src/domain/entry.js';
import { api } from './api.js';

export interface EntryRef {
  centre: string;
  campaign?: string;
}

const KEY = 'kz-entry';

function readRef(): EntryRef | null {
  const q = new URLSearchParams(window.location.search);
  const centre = q.get(ENTRY_QUERY.centre);
  if (centre) {
    const ref: EntryRef = {
      centre,
      ...(q.get(ENTRY_QUERY.campaign) ? { campaign: q.get(ENTRY_QUERY.campaign)! } : {}),
    };
    try {
      sessionStorage.setItem(KEY, JSON.stringify(ref));
    } catch {
      // Private mode: the query in the address still carries it.
    }
    return ref;
  }
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as EntryRef) : null;
  } catch {
    return null;
  }
}

/** The link this tab was opened by, or null for the plain address. */
export const entryRef: EntryRef | null = readRef();

let cached: Promise<EntryInfo | null> | null = null;

/** The centre and its contacts; null without a link, or when the link names no centre (an old
 *  poster): the app then shows the general contacts rather than an error. */
export function loadEntry(): Promise<EntryInfo | null> {
  cached ??= entryRef
    ? api.entry(entryRef).catch(() => {
        cached = null;
        return null;
      })
    : Promise.resolve(null);
  return cached;
}

export function useEntry(): EntryInfo | null {
  const [entry, setEntry] = useState<EntryInfo | null>(null);
  useEffect(() => {
    let live = true;
    void loadEntry().then((e) => live && setEntry(e));
    return () => {
      live = false;
    };
  }, []);
  return entry;
}
