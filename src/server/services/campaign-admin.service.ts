// Campaign management (HQ): list, create, edit window, spec, exemption rule and support contacts.

import type { Db } from '../../db/client.js';
import type { AdminCampaign, AdminCampaignInput, CampaignsResponse } from '../../domain/admin-api.js';
import type { SupportContact } from '../../domain/api.js';
import { KaozhaoError } from '../../domain/errors.js';
import { listSpecs, loadSpec } from '../../photo/spec.js';
import { createAuditRepository } from '../repositories/audit.repository.js';
import {
  type Campaign,
  type CampaignRepository,
  createCampaignRepository,
  type NewCampaign,
} from '../repositories/campaign.repository.js';
import { createCountsRepository } from '../repositories/counts.repository.js';
import type { OrgRepository } from '../repositories/org.repository.js';
import type { AdminPrincipal } from './admin-auth.service.js';
import { cleanText } from './manage-common.js';

export const EXEMPTION_SEMESTERS_MAX = 10;
const WINDOW_MAX_MS = 366 * 86_400_000;
const SUPPORT_FIELDS = ['label', 'phone', 'email', 'wechat', 'hours', 'unitCode'] as const;

export function toCampaignDto(c: Campaign): AdminCampaign {
  return {
    id: c.id,
    name: c.name,
    semester: c.semester,
    startsAt: c.startsAt.toISOString(),
    endsAt: c.endsAt.toISOString(),
    specId: c.specId,
    exemptionSemesters: c.exemptionSemesters,
    support: c.support,
  };
}

type CampaignFields = Omit<NewCampaign, 'id' | 'createdAt'> & { specId: string; exemptionSemesters: number };

/** Checks the input and turns it into table fields; each rule has its own message. */
export function campaignFields(input: AdminCampaignInput): CampaignFields {
  const name = cleanText(input.name, 100);
  if (!name) throw KaozhaoError.of('campaign.name_required');
  const sem = /^(\d{4})-([12])$/.exec(input.semester.trim());
  const year = Number(sem?.[1]);
  if (!sem || year < 2000 || year > 2100) throw KaozhaoError.of('campaign.semester_invalid');
  const startsAt = new Date(input.startsAt);
  const endsAt = new Date(input.endsAt);
  const span = endsAt.getTime() - startsAt.getTime();
  if (!(span > 0 && span <= WINDOW_MAX_MS)) throw KaozhaoError.of('campaign.window_invalid');
  const n = input.exemptionSemesters;
  if (!Number.isInteger(n) || n < 0 || n > EXEMPTION_SEMESTERS_MAX) throw KaozhaoError.of('campaign.exemption_invalid');
  if (!listSpecs().includes(input.specId)) throw KaozhaoError.of('campaign.spec_unknown');
  // Blank optional fields would show students empty lines.
  const support = input.support.map((s) => {
    const out: Record<string, string> = {};
    for (const k of SUPPORT_FIELDS) {
      const v = s[k]?.trim();
      if (v) out[k] = v;
    }
    return out as unknown as SupportContact;
  });
  if (support.some((s) => !s.label)) throw KaozhaoError.of('request.invalid');
  return {
    name,
    semester: sem[0],
    semesterIndex: year * 2 + Number(sem[2]) - 1,
    startsAt,
    endsAt,
    specId: input.specId,
    exemptionSemesters: n,
    support,
  };
}

/** What the audit log keeps of a campaign: its settings, not its contact details. */
function auditDetail(c: Campaign, changed?: string[]): Record<string, unknown> {
  return {
    campaignId: c.id,
    name: c.name,
    semester: c.semester,
    startsAt: c.startsAt.toISOString(),
    endsAt: c.endsAt.toISOString(),
    specId: c.specId,
    exemptionSemesters: c.exemptionSemesters,
    ...(changed ? { changed } : {}),
  };
}

export function createCampaignAdminService(deps: { db: Db; campaigns: CampaignRepository; units: OrgRepository }) {
  const { db, campaigns, units } = deps;

  /** A contact for one centre (or branch) must name a unit that exists: a mistyped code would
   *  show it to nobody, silently. */
  async function checkContactUnits(fields: CampaignFields): Promise<void> {
    for (const s of fields.support ?? []) {
      if (s.unitCode && !(await units.byCode(s.unitCode))) throw KaozhaoError.of('campaign.contact_unit_unknown');
    }
  }

  return {
    async list(): Promise<CampaignsResponse> {
      return {
        items: (await campaigns.list()).map(toCampaignDto),
        specs: listSpecs().map((id) => ({ id, name: loadSpec(id).name })),
      };
    },

    async create(p: AdminPrincipal, input: AdminCampaignInput): Promise<AdminCampaign> {
      const fields = campaignFields(input);
      await checkContactUnits(fields);
      return db.transaction(async (tx) => {
        const txCampaigns = createCampaignRepository(tx);
        if (await txCampaigns.overlapping(fields.startsAt, fields.endsAt)) {
          throw KaozhaoError.of('campaign.window_overlap');
        }
        const c = await txCampaigns.create(fields);
        // Exemptions and every centre's counters for the new campaign.
        await createCountsRepository(tx).refresh(c.id);
        await createAuditRepository(tx).record({
          adminId: p.admin.id,
          action: 'campaign.create',
          unitId: p.unit.id,
          detail: auditDetail(c),
        });
        return toCampaignDto(c);
      });
    },

    async update(p: AdminPrincipal, id: string, input: AdminCampaignInput): Promise<AdminCampaign> {
      const fields = campaignFields(input);
      await checkContactUnits(fields);
      return db.transaction(async (tx) => {
        const txCampaigns = createCampaignRepository(tx);
        const before = await txCampaigns.byIdForUpdate(id);
        if (!before) throw KaozhaoError.of('campaign.not_found');
        if (await txCampaigns.overlapping(fields.startsAt, fields.endsAt, id)) {
          throw KaozhaoError.of('campaign.window_overlap');
        }
        if (fields.specId !== before.specId && (await txCampaigns.hasPhotos(id))) {
          throw KaozhaoError.of('campaign.spec_locked');
        }
        const changed = (Object.keys(fields) as (keyof CampaignFields)[]).filter(
          (k) => JSON.stringify(fields[k]) !== JSON.stringify(before[k]),
        );
        const c = (await txCampaigns.update(id, fields))!;
        if (changed.includes('semesterIndex') || changed.includes('exemptionSemesters')) {
          await createCountsRepository(tx).refresh(c.id);
        }
        await createAuditRepository(tx).record({
          adminId: p.admin.id,
          action: 'campaign.update',
          unitId: p.unit.id,
          detail: auditDetail(c, changed),
        });
        return toCampaignDto(c);
      });
    },
  };
}
export type CampaignAdminService = ReturnType<typeof createCampaignAdminService>;
