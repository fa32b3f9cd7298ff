import type {
  DailyPoint,
  DailyReportResponse,
  DailyReportRow,
  DailySeriesResponse,
  ProgressCounts,
  ProgressNode,
  ProgressResponse,
} from '../../domain/admin-api.js';
import type { CentreCountRow, CountsRepository } from '../repositories/counts.repository.js';
import type { OrgRepository, OrgUnit } from '../repositories/org.repository.js';
import { scopeOf } from './admin-auth.service.js';

const ZERO = { enrolled: 0, exempt: 0, needsReview: 0, approved: 0, rejected: 0 };
type Raw = typeof ZERO;

function add(a: Raw, b: Raw): Raw {
  return {
    enrolled: a.enrolled + b.enrolled,
    exempt: a.exempt + b.exempt,
    needsReview: a.needsReview + b.needsReview,
    approved: a.approved + b.approved,
    rejected: a.rejected + b.rejected,
  };
}

export function finish(r: Raw): ProgressCounts {
  const required = Math.max(0, r.enrolled - r.exempt);
  const submitted = r.needsReview + r.approved;
  return {
    enrolled: r.enrolled,
    exempt: r.exempt,
    required,
    submitted,
    approved: r.approved,
    needsReview: r.needsReview,
    rejected: r.rejected,
    uncollected: Math.max(0, required - submitted),
    rate: required === 0 ? 1 : Math.round((submitted / required) * 10_000) / 10_000,
  };
}

const node = (u: OrgUnit) => ({ id: u.id, code: u.code, name: u.name, level: u.level, parentId: u.parentId });

export function createProgressService(deps: { counts: CountsRepository; units: OrgRepository }) {
  const { counts, units } = deps;

  /** Raw counts per unit id (centres from the table, branches and HQ summed). */
  async function rollUp(campaignId: string, root: OrgUnit) {
    const all = await units.all();
    const rows = await counts.centres(campaignId, scopeOf(root));
    const byCentre = new Map<number, CentreCountRow>(rows.map((r) => [r.centreId, r]));
    const raw = new Map<number, Raw>();
    const children = new Map<number, OrgUnit[]>();
    for (const u of all) {
      if (u.parentId === null) continue;
      const list = children.get(u.parentId);
      if (list) list.push(u);
      else children.set(u.parentId, [u]);
    }
    const visit = (u: OrgUnit): Raw => {
      let sum: Raw = ZERO;
      if (u.level === 'centre') {
        const r = byCentre.get(u.id);
        if (r)
          sum = {
            enrolled: r.enrolled,
            exempt: r.exempt,
            needsReview: r.needsReview,
            approved: r.approved,
            rejected: r.rejected,
          };
      }
      for (const c of children.get(u.id) ?? []) sum = add(sum, visit(c));
      raw.set(u.id, sum);
      return sum;
    };
    visit(root);
    return { all, raw, children };
  }

  return {
    async tree(campaignId: string, root: OrgUnit): Promise<ProgressResponse> {
      const { raw, children } = await rollUp(campaignId, root);
      const build = (u: OrgUnit): ProgressNode => ({
        ...node(u),
        ...finish(raw.get(u.id) ?? ZERO),
        children: (children.get(u.id) ?? []).map(build),
      });
      return { campaignId, generatedAt: new Date().toISOString(), root: build(root) };
    },

    async daily(campaignId: string, unit: OrgUnit, from?: string, to?: string): Promise<DailySeriesResponse> {
      const rows = await counts.daily(campaignId, scopeOf(unit), from, to);
      const byDay = new Map<string, DailyPoint>();
      for (const r of rows) {
        const p = byDay.get(r.day) ?? { day: r.day, submitted: 0, approved: 0, rejected: 0 };
        p.submitted += r.submitted;
        p.approved += r.approved;
        p.rejected += r.rejected;
        byDay.set(r.day, p);
      }
      return { campaignId, unitId: unit.id, days: [...byDay.values()] };
    },

    /** One row per branch and centre under `root` (and root itself first), for a date. */
    async dailyReport(campaignId: string, root: OrgUnit, date: string): Promise<DailyReportResponse> {
      const { all, raw } = await rollUp(campaignId, root);
      const dayRows = await counts.daily(campaignId, scopeOf(root), date, date);
      const byId = new Map(all.map((u) => [u.id, u]));
      const day = new Map<number, DailyPoint>();
      const bump = (id: number, r: { submitted: number; approved: number; rejected: number }) => {
        const p = day.get(id) ?? { day: date, submitted: 0, approved: 0, rejected: 0 };
        p.submitted += r.submitted;
        p.approved += r.approved;
        p.rejected += r.rejected;
        day.set(id, p);
      };
      for (const r of dayRows) {
        bump(r.centreId, r);
        bump(r.branchId, r);
        if (root.level === 'hq') bump(root.id, r);
      }
      const out: DailyReportRow[] = [];
      for (const u of all) {
        if (!raw.has(u.id)) continue;
        const parent = u.parentId !== null ? byId.get(u.parentId) : undefined;
        out.push({
          unitId: u.id,
          level: u.level,
          code: u.code,
          name: u.name,
          branchName: u.level === 'centre' ? (parent?.name ?? '') : u.level === 'branch' ? u.name : '',
          ...finish(raw.get(u.id)!),
          day: day.get(u.id) ?? { day: date, submitted: 0, approved: 0, rejected: 0 },
        });
      }
      const order = { hq: 0, branch: 1, centre: 2 };
      out.sort((a, b) => order[a.level] - order[b.level] || a.code.localeCompare(b.code));
      return { campaignId, date, rows: out };
    },
  };
}
export type ProgressService = ReturnType<typeof createProgressService>;
