// Entry links: the address a learning centre prints on its poster and posts in its chat groups.
// It opens the student app with the centre preselected; it names a centre and a campaign by their
// codes only, never a student, so a photographed poster or a forwarded link tells nobody anything.
import type { SupportContact } from './api.js';

/** Query parameters of the link: `/?c=<centre code>&k=<campaign id>`. Short, because a shorter
 *  text makes a QR code with fewer, larger modules that a phone reads from further away. */
export const ENTRY_QUERY = { centre: 'c', campaign: 'k' } as const;

/** Fields of the photo upload (multipart) that say which link the student came in by. */
export const ENTRY_UPLOAD_FIELDS = { centre: 'entryCentre', campaign: 'entryCampaign' } as const;

/** The path and query of a centre's link for a campaign, to put after the public origin. */
export function entryPath(centreCode: string, campaignId: string): string {
  const q = new URLSearchParams({ [ENTRY_QUERY.centre]: centreCode, [ENTRY_QUERY.campaign]: campaignId });
  return `/?${q.toString()}`;
}

export interface EntryCampaign {
  id: string;
  name: string;
  /** ISO 8601 */
  startsAt: string;
  endsAt: string;
}

/** GET /api/entry?c=&k= (public): what the student app shows when opened by a centre's link. */
export interface EntryInfo {
  centre: { code: string; name: string };
  campaign: EntryCampaign & { open: boolean };
  /** The centre's own contacts first (then its branch's), then the campaign's general ones. */
  contacts: SupportContact[];
}

/** GET /api/admin/units/{id}/entry-link?campaignId= : the link and what the poster prints. */
export interface EntryLinkResponse {
  url: string;
  centre: { id: number; code: string; name: string };
  campaign: EntryCampaign;
}
