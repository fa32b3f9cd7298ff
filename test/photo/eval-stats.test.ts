// The eval's figures (bench/eval-stats.ts): the interval, the folds and which photos count.
import { describe, expect, it } from 'vitest';
import { disputedLabels } from '../../bench/eval-cache.js';
import { type EvalResult, type EvalRow, excused, groupedFolds, summarise, wilson } from '../../bench/eval-stats.js';
import type { CheckResult } from '../../src/domain/checks.js';

const row = (file: string, repo: string, labels = ''): EvalRow => ({ file, repo, labels, sha: file });
const result = (made: boolean, entries: [string, CheckResult['status']][]): EvalResult => ({
  made,
  report: entries.map(([id, status]) => ({ id, status }) as CheckResult),
});

describe('eval statistics', () => {
  it("excuses on a good photo the checks its own labels name: a secondary label, or a defect folder's name", () => {
    expect([...excused({ labels: 'hair_accessory;hair_over_eyebrows;labels_from=eye' })]).toEqual(['hair.eyebrows']);
    expect(excused({ labels: 'frontal;jewelry(earrings)' }).has('jewelry.earrings')).toBe(true);
    expect(excused({ labels: 'hair_accessory;labels_from=eye' }).size).toBe(0);
  });

  it('reads the disputed labels: each names the labels the photo lacks or does not show, and what it shows', () => {
    const d = disputedLabels();
    expect(d.size).toBeGreaterThan(0);
    for (const [file, { lacks, not, shows }] of d) {
      expect(file).toMatch(/^(portraits|defects)\/.+\.(jpg|png)$/);
      expect(lacks.length + not.length).toBeGreaterThan(0);
      for (const l of [...lacks, ...not]) expect(l).toMatch(/^[a-z_]+$/);
      expect(shows.length).toBeGreaterThan(10);
    }
    expect(d.get('portraits/lisapq__img__01.png')?.lacks).toEqual(['tight_crop']);
    expect(d.get('defects/dark/asianfaces__sample_Japan__30002__30002_6.jpg')?.not).toEqual(['dark']);
  });

  it('gives the Wilson interval of a proportion', () => {
    const w = wilson(9, 10);
    expect(w.p).toBeCloseTo(0.9);
    // Published value for 9/10 at 95%: 0.596–0.982.
    expect(w.lo).toBeCloseTo(0.596, 2);
    expect(w.hi).toBeCloseTo(0.982, 2);
    expect(wilson(0, 20).lo).toBe(0);
    expect(Number.isNaN(wilson(0, 0).p)).toBe(true);
  });

  it('keeps every repository in exactly one fold and balances the folds', () => {
    const rows: EvalRow[] = [];
    for (let r = 0; r < 12; r++) for (let i = 0; i <= r; i++) rows.push(row(`portraits/${r}-${i}.jpg`, `repo${r}`));
    const fold = groupedFolds(rows, 5);
    expect(fold.size).toBe(12);
    const sizes = [0, 0, 0, 0, 0];
    for (const r of rows) sizes[fold.get(r.repo)!]!++;
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(12);
    expect(groupedFolds(rows, 5)).toEqual(fold);
  });

  it('counts clear labels only, and good photos by outcome', () => {
    const rows = [
      row('defects/hat/a.jpg', 'x'),
      row('defects/hat/b.jpg', 'x'),
      row('defects/hat/c.jpg', 'x', 'hat;mild'),
      row('portraits/p1.jpg', 'y'),
      row('portraits/p2.jpg', 'y'),
      row('portraits/p3.jpg', 'y', 'tight_crop'),
      row('portraits/p4.jpg', 'y', 'head_tilted'),
    ];
    const results = new Map<string, EvalResult>([
      ['defects/hat/a.jpg', result(true, [['head.covering', 'warn']])],
      ['defects/hat/b.jpg', result(true, [['head.covering', 'pass']])],
      ['defects/hat/c.jpg', result(true, [['head.covering', 'pass']])],
      ['portraits/p1.jpg', result(true, [['pose.roll', 'pass']])],
      ['portraits/p2.jpg', result(true, [['eyes.open', 'warn']])],
      ['portraits/p3.jpg', result(false, [['layout.margin', 'fail']])],
      ['portraits/p4.jpg', result(true, [['pose.roll', 'fail']])],
    ]);
    const excused = (r: EvalRow) => new Set(r.labels.includes('head_tilted') ? ['pose.roll' as const] : []);
    const s = summarise(rows, results, { hat: ['head.covering'] }, excused);
    expect(s.flagged).toEqual({ k: 1, n: 2 });
    expect(s.falseFail).toEqual({ k: 0, n: 3 });
    expect(s.review).toEqual({ k: 1, n: 3 });
    // made leaves out the tight crop, whose head the source does not show whole.
    expect(s.made).toEqual({ k: 3, n: 3 });
  });
});
