// The current campaign (window, spec backgrounds, support contacts), fetched once per page load.
import { useEffect, useState } from 'react';
import type { CampaignInfo } from '../../../src/domain/api.js';
import { type ApiFailure, api } from './api.js';

let cached: Promise<CampaignInfo> | null = null;

export function loadCampaign(): Promise<CampaignInfo> {
  cached ??= api.campaign().catch((e: unknown) => {
    cached = null; // let the next page retry after a network blip
    throw e;
  });
  return cached;
}

export function useCampaign(): { campaign: CampaignInfo | null; error: ApiFailure | null; loading: boolean } {
  const [campaign, setCampaign] = useState<CampaignInfo | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  useEffect(() => {
    let live = true;
    loadCampaign().then(
      (c) => live && setCampaign(c),
      (e: ApiFailure) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, []);
  return { campaign, error, loading: !campaign && !error };
}

const dateFormat = new Intl.DateTimeFormat('zh-CN', {
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'Asia/Shanghai',
});

export function formatDate(iso: string): string {
  return dateFormat.format(new Date(iso));
}
