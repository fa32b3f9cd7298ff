import type { CampaignInfo } from '../../../src/domain/api.js';
import { BACKGROUND_NAMES, type BackgroundName } from '../../../src/domain/backgrounds.js';

export function isBackground(v: string | null): v is BackgroundName {
  return (BACKGROUND_NAMES as readonly string[]).includes(v ?? '');
}

/** The chosen background from the URL, else the spec's default (blue for the CHSI spec). */
export function chosenBackground(query: URLSearchParams, campaign: CampaignInfo | null): BackgroundName {
  const q = query.get('bg');
  if (isBackground(q)) return q;
  return campaign?.spec.defaultBackground ?? 'blue';
}

export function rgbOf(campaign: CampaignInfo | null, bg: BackgroundName): [number, number, number] | undefined {
  return campaign?.spec.backgrounds.find((b) => b.name === bg)?.rgb;
}
