// Entry links per learning centre and campaign (src/domain/entry.ts): the link and its QR code for
// the centre's admins, what the student app shows when opened by a link, and the attribution of
// a photo attempt to the link it came in by. No migration: the centre's contacts are the
// campaign's support contacts that name its code, and the attribution is an audit-log entry.
import QRCode from 'qrcode';
import type { SupportContact } from '../../domain/api.js';
import { type EntryCampaign, type EntryInfo, type EntryLinkResponse, entryPath } from '../../domain/entry.js';
import { KaozhaoError } from '../../domain/errors.js';
import type { AuditRepository } from '../repositories/audit.repository.js';
import type { Campaign, CampaignRepository } from '../repositories/campaign.repository.js';
import type { OrgRepository, OrgUnit } from '../repositories/org.repository.js';
import type { StudentRepository } from '../repositories/student.repository.js';
import type { AdminAuthService, AdminPrincipal } from './admin-auth.service.js';
import type { CampaignService } from './campaign.service.js';
import { UNIT_CODE_PATTERN } from './unit-admin.service.js';

const UNIT_CODE = new RegExp(UNIT_CODE_PATTERN);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Level M (15 % of the code may be lost) survives a crease or a glare on a printed poster, and
// the link is short enough that the code stays at version 4–5 (33–37 modules).
const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 4 } as const;
/** PNG module size in pixels: ≈ 400 px wide, sharp on a phone screen or a chat message; the
 *  poster prints the SVG, which scales to any size. */
const PNG_SCALE = 10;

export type QrFormat = 'png' | 'svg';

/** Contacts for a centre's students: its own, its branch's, then the campaign's general ones. */
export function contactsFor(support: SupportContact[], centre: OrgUnit, branch: OrgUnit | undefined) {
  const own = support.filter((s) => s.unitCode === centre.code);
  const branchOnes = branch ? support.filter((s) => s.unitCode === branch.code) : [];
  return [...own, ...branchOnes, ...support.filter((s) => !s.unitCode)];
}

function campaignOf(c: Campaign): EntryCampaign {
  return { id: c.id, name: c.name, startsAt: c.startsAt.toISOString(), endsAt: c.endsAt.toISOString() };
}

export function createEntryLinkService(deps: {
  units: OrgRepository;
  campaigns: CampaignRepository;
  audit: AuditRepository;
  students: StudentRepository;
  auth: AdminAuthService;
  campaign: CampaignService;
  /** KAOZHAO_PUBLIC_URL, with a trailing slash; else the origin of the admin's request. */
  publicUrl: string | undefined;
}) {
  const { units, campaigns, audit, students, auth, campaign, publicUrl } = deps;

  /** A centre of the admin's scope. Another unit's centre answers like an unknown id, as a
   *  student outside the scope does: the answer does not tell which ids exist elsewhere. */
  async function centreInScope(p: AdminPrincipal, unitId: number): Promise<OrgUnit> {
    auth.can(p, 'progress');
    let unit: OrgUnit;
    try {
      unit = await auth.unitInScope(p, unitId);
    } catch (e) {
      if (e instanceof KaozhaoError && e.code === 'auth.out_of_scope') throw KaozhaoError.of('unit.not_found');
      throw e;
    }
    if (unit.level !== 'centre') throw KaozhaoError.of('entry.centre_only');
    return unit;
  }

  /** The named campaign, or the current one (open, else next, else the last). */
  async function campaignFor(id: string | undefined): Promise<Campaign> {
    if (id === undefined) return campaign.current();
    const c = await campaigns.byId(id);
    if (!c) throw KaozhaoError.of('campaign.not_found');
    return c;
  }

  /** The absolute link. `requestOrigin` is only used without KAOZHAO_PUBLIC_URL. */
  function urlOf(centre: OrgUnit, c: Campaign, requestOrigin: string): string {
    let base: URL;
    try {
      base = new URL(publicUrl ?? `${requestOrigin}/`);
    } catch {
      // A Host header no URL can hold: the client's fault, and nothing worth printing.
      throw KaozhaoError.of('request.invalid');
    }
    // Relative to the base, so an app served under a path prefix keeps it.
    return new URL(entryPath(centre.code, c.id).slice(1), base).href;
  }

  async function link(
    p: AdminPrincipal,
    unitId: number,
    campaignId: string | undefined,
    origin: string,
  ): Promise<EntryLinkResponse> {
    const centre = await centreInScope(p, unitId);
    const c = await campaignFor(campaignId);
    return {
      url: urlOf(centre, c, origin),
      centre: { id: centre.id, code: centre.code, name: centre.name },
      campaign: campaignOf(c),
    };
  }

  return {
    link,
    /** The link of a centre for a campaign (reminders put it in their message). */
    urlOf,

    async qr(p: AdminPrincipal, unitId: number, campaignId: string | undefined, origin: string, format: QrFormat) {
      const { url, centre } = await link(p, unitId, campaignId, origin);
      const body =
        format === 'png'
          ? await QRCode.toBuffer(url, { ...QR_OPTIONS, type: 'png', scale: PNG_SCALE })
          : await QRCode.toString(url, { ...QR_OPTIONS, type: 'svg' });
      return { body, filename: `entry-${centre.code}.${format}` };
    },

    /** Public: the centre and its contacts for a student who opened its link. */
    async info(centreCode: string, campaignId: string | undefined): Promise<EntryInfo> {
      const centre = await units.byCode(centreCode);
      if (centre?.level !== 'centre') throw KaozhaoError.of('entry.centre_not_found');
      const c = await campaignFor(campaignId);
      const branch = centre.parentId === null ? undefined : await units.byId(centre.parentId);
      const now = new Date();
      return {
        centre: { code: centre.code, name: centre.name },
        campaign: { ...campaignOf(c), open: c.startsAt <= now && now < c.endsAt },
        contacts: contactsFor(c.support, centre, branch),
      };
    },

    /**
     * Records that an attempt came in by a centre's link. What the client sent is only believed
     * as far as it names a real centre; anything else is dropped, and this never fails the upload
     * it follows (the caller logs an error and carries on).
     */
    async recordAttempt(
      attempt: { id: string; campaignId: string; studentId: number },
      sent: { centre?: string; campaign?: string },
    ): Promise<boolean> {
      const code = sent.centre?.trim();
      if (!code || !UNIT_CODE.test(code)) return false;
      const centre = await units.byCode(code);
      if (centre?.level !== 'centre') return false;
      const student = await students.byId(attempt.studentId);
      const linkCampaignId = sent.campaign && UUID.test(sent.campaign) ? sent.campaign.toLowerCase() : undefined;
      await audit.record({
        adminId: null,
        action: 'entry.upload',
        unitId: centre.id,
        detail: {
          centreCode: centre.code,
          campaignId: attempt.campaignId,
          ...(linkCampaignId && linkCampaignId !== attempt.campaignId ? { linkCampaignId } : {}),
          photoId: attempt.id,
          ownCentre: centre.id === student?.centreId,
        },
        studentIds: [attempt.studentId],
      });
      return true;
    },
  };
}
export type EntryLinkService = ReturnType<typeof createEntryLinkService>;
