// The unit tree and breadcrumb the console builds from GET /api/admin/units, and its number formats.
import { describe, expect, test } from 'vitest';
import type { UnitNode } from '../../src/domain/admin-api.js';
import { addDays, chinaToday, percent } from '../../web/admin/src/format.js';
import { unitLabel, unitPath, unitTree } from '../../web/admin/src/units.js';

const units: UnitNode[] = [
  { id: 1, code: 'HQ', name: '总部', level: 'hq', parentId: null },
  { id: 2, code: 'B1', name: '北京分部', level: 'branch', parentId: 1 },
  { id: 3, code: 'B1C1', name: '海淀', level: 'centre', parentId: 2 },
  { id: 4, code: 'B1C2', name: '朝阳', level: 'centre', parentId: 2 },
  { id: 5, code: 'B2', name: '广东分部', level: 'branch', parentId: 1 },
];

describe('unit tree', () => {
  test('nests HQ → branches → centres', () => {
    const [root, ...others] = unitTree(units);
    expect(others).toEqual([]);
    expect(root!.value).toBe(1);
    expect(root!.children.map((c) => c.title)).toEqual(['北京分部', '广东分部']);
    expect(root!.children[0]!.children.map((c) => c.value)).toEqual([3, 4]);
  });

  test("a branch admin's scope starts at the branch", () => {
    const scope = units.filter((u) => u.id === 2 || u.parentId === 2);
    expect(unitTree(scope).map((n) => n.value)).toEqual([2]);
    expect(unitPath(scope, 3).map((u) => u.id)).toEqual([2, 3]);
  });

  test('breadcrumb path and labels', () => {
    expect(unitPath(units, 4).map((u) => u.name)).toEqual(['总部', '北京分部', '朝阳']);
    expect(unitPath(units, 99)).toEqual([]);
    expect(unitLabel(units[2]!)).toBe('海淀（学习中心）');
  });
});

describe('formats', () => {
  test('rates and days', () => {
    expect(percent(0.4256)).toBe('42.6%');
    expect(percent(1)).toBe('100.0%');
    // 23:30 UTC is already the next day in China.
    expect(chinaToday(new Date('2026-11-25T23:30:00Z'))).toBe('2026-11-26');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});
