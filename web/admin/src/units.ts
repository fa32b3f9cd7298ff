// The admin's unit scope as a tree, for the unit picker (HQ → 分部/学院 → 学习中心).
import type { UnitNode } from '../../../src/domain/admin-api.js';
import { UNIT_LEVEL_LABELS } from '../../../src/domain/roles.js';

export interface UnitTreeOption {
  value: number;
  title: string;
  unit: UnitNode;
  children: UnitTreeOption[];
}

/** Builds the tree; units whose parent is outside the scope become roots (a branch admin's branch). */
export function unitTree(units: readonly UnitNode[]): UnitTreeOption[] {
  const byId = new Map<number, UnitTreeOption>();
  for (const u of units) byId.set(u.id, { value: u.id, title: u.name, unit: u, children: [] });
  const roots: UnitTreeOption[] = [];
  for (const node of byId.values()) {
    const parent = node.unit.parentId === null ? undefined : byId.get(node.unit.parentId);
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

export function unitLabel(u: Pick<UnitNode, 'name' | 'level'>): string {
  return `${u.name}（${UNIT_LEVEL_LABELS[u.level]}）`;
}

/** The units from the top of the admin's scope down to `id`, for the breadcrumb. */
export function unitPath(units: readonly UnitNode[], id: number): UnitNode[] {
  const byId = new Map(units.map((u) => [u.id, u]));
  const path: UnitNode[] = [];
  for (let u = byId.get(id); u; u = u.parentId === null ? undefined : byId.get(u.parentId)) path.unshift(u);
  return path;
}
