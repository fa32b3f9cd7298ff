// The learned checks: the training method (scripts/train/learn.ts) on synthetic evidence whose
// answer is known, and how a calibration turns logits into report entries (src/photo/learned).
import { describe, expect, it } from 'vitest';
import {
  LEARNED,
  normalQuantile,
  operatingPoints,
  REVIEW_BUDGET,
  type Sample,
  SPEC_RULES,
  selectEvidence,
  target,
  trainAll,
} from '../../scripts/train/learn.js';
import type { CheckResult } from '../../src/domain/checks.js';
import { applyLearned, type Calibration, gateHolds, logit } from '../../src/photo/learned/model.js';

/** A deterministic normal sampler (mulberry32 + Box–Muller), so the test never flakes. */
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

/** Good portraits and hat photos from 10 repositories; `m.brim` separates hats by 4 sd, `m.noise` does not. */
function samples(n: number, seed: number): Sample[] {
  const z = normals(seed);
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const hat = i % 3 === 0;
    out.push({
      file: hat ? `defects/hat/${seed}-${i}.jpg` : `portraits/${seed}-${i}.jpg`,
      repo: `repo${i % 10}`,
      labels: hat ? 'hat' : '',
      good: !hat,
      features: { 'm.brim': (hat ? 4 : 0) + z(), 'm.noise': z() },
      // The hand rule catches no hat here: everything the check flags is the model's.
      rules: {},
    });
  }
  return out;
}

describe('training the learned checks', () => {
  const train = samples(300, 1);
  const cal = trainAll(train, (s) => Number(s.repo.slice(4)) % 5, 5, 'synthetic', null);
  const fresh = samples(3000, 2);
  const flags = (s: Sample) => {
    const m = cal.checks['head.covering']!;
    return m.warn !== null && logit(cal, m, s.features) >= m.warn;
  };

  it('labels positives by folder or label, and leaves borderline positives out', () => {
    const s = (file: string, labels: string) => ({ file, labels }) as Sample;
    expect(target(s('defects/hat/a.jpg', 'hat'), LEARNED['head.covering']!)).toBe(1);
    expect(target(s('defects/jewelry/a.jpg', 'jewelry;heavy_makeup'), LEARNED['makeup.heavy']!)).toBe(1);
    expect(target(s('defects/hat/b.jpg', 'hat;mild'), LEARNED['head.covering']!)).toBeNull();
    expect(target(s('portraits/c.jpg', 'neutral'), LEARNED['head.covering']!)).toBe(0);
  });

  it('learns the separating feature and flags unseen positives', () => {
    const m = cal.checks['head.covering']!;
    const brim = m.weights[cal.features.indexOf('m.brim')]!;
    const noise = m.weights[cal.features.indexOf('m.noise')]!;
    expect(brim).toBeGreaterThan(5 * Math.abs(noise));
    const hats = fresh.filter((s) => !s.good);
    expect(hats.filter(flags).length / hats.length).toBeGreaterThan(0.9);
    // Checks with no positives gain nothing and stay off.
    expect(cal.checks['glasses.reflection']!.warn).toBeNull();
  });

  it('keeps unseen good photos inside the review budget', () => {
    const good = fresh.filter((s) => s.good);
    // The budget is shared by every learned check; this one alone may use all of it (its normal fit
    // is estimated from ~160 photos, hence the margin).
    expect(good.filter(flags).length / good.length).toBeLessThan(REVIEW_BUDGET * 1.6);
  });

  it('has the normal quantiles right', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829, 5);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });
});

describe("choosing a check's evidence", () => {
  /** Hat photos whose defect shows in `signal` (by 2 sd), among 300 features of noise outside the
   *  head-top region (scripts/train/learn.ts EVIDENCE). */
  function withNoise(signal: string, seed: number): Sample[] {
    const z = normals(seed);
    return Array.from({ length: 300 }, (_, i) => {
      const hat = i % 3 === 0;
      const features: Record<string, number> = { [signal]: (hat ? 2 : 0) + z() };
      for (let k = 0; k < 300; k++) features[`noise.${k}`] = z();
      return {
        file: hat ? `defects/hat/${seed}-${i}.jpg` : `portraits/${seed}-${i}.jpg`,
        repo: `repo${i % 10}`,
        labels: hat ? 'hat' : '',
        good: !hat,
        features,
        rules: {},
      };
    });
  }
  const fold = (s: Sample) => Number(s.repo.slice(4)) % 5;

  it('reads the head-top region when the hat shows there, leaving the noise elsewhere out', () => {
    const { choice, oof, auc } = selectEvidence(withNoise('m.head.topCover', 3), fold, [0, 1, 2, 3, 4]);
    expect(choice['head.covering']).toBe('region');
    expect(auc['head.covering']!.region).toBeGreaterThanOrEqual(auc['head.covering']!.all);
    expect(oof.size).toBe(300);
  });

  it('reads every feature when the region holds nothing', () => {
    const { choice } = selectEvidence(withNoise('m.brim', 4), fold, [0, 1, 2, 3, 4]);
    expect(choice['head.covering']).toBe('all');
  });
});

/**
 * Good portraits and backlit photos. The backlight rule warns on a third of the good photos
 * (value ~ 45 ± 3) and on every backlit photo (60 ± 4); the roll rule (a spec rule) warns on a
 * fifth of the good photos too; the uneven-light rule warns on some good photos and no uneven
 * photo exists here.
 */
function ruled(n: number, seed: number): Sample[] {
  const z = normals(seed);
  return Array.from({ length: n }, (_, i) => {
    const bad = i % 4 === 0;
    const warnsBacklit = bad || i % 3 === 0;
    const rules: Sample['rules'] = {
      'light.backlit': warnsBacklit ? 'warn' : 'pass',
      'pose.roll': !bad && i % 5 === 1 ? 'warn' : 'pass',
      'light.uneven': !bad && i % 7 === 2 ? 'warn' : 'pass',
    };
    return {
      file: bad ? `defects/backlit/${seed}-${i}.jpg` : `portraits/${seed}-${i}.jpg`,
      repo: `repo${i % 10}`,
      labels: bad ? 'backlit' : '',
      good: !bad,
      features: { noise: z() },
      rules,
      values: {
        'light.backlit': warnsBacklit ? (bad ? 60 + 4 * z() : 45 + 3 * z()) : 20 + 5 * z(),
        'pose.roll': rules['pose.roll'] === 'warn' ? 9 : 2,
        'light.uneven': rules['light.uneven'] === 'warn' ? 25 : 5,
      },
    };
  });
}

describe('gates on the hand rules', () => {
  const train = ruled(400, 3);
  const points = operatingPoints(train, new Map());
  const gate = points.gates['light.backlit']!;
  const fresh = ruled(4000, 4);
  const standing = (s: Sample) => s.rules['light.backlit'] === 'warn' && gateHolds(gate, s.values!['light.backlit']!);

  it('reads the value the way that ranks the defect photos first, and sits between them and the good photos', () => {
    expect(gate.direction).toBe('high');
    expect(gate.warn).toBeGreaterThan(45);
    expect(gate.warn).toBeLessThan(60);
    const bad = fresh.filter((s) => !s.good);
    const good = fresh.filter((s) => s.good);
    expect(bad.filter(standing).length / bad.length).toBeGreaterThan(0.9);
    expect(good.filter(standing).length / good.length).toBeLessThan(REVIEW_BUDGET * 1.6);
  });

  it("never gates the spec's rules, nor a rule no defect photo here speaks for", () => {
    for (const id of SPEC_RULES) expect(points.gates[id], id).toBeUndefined();
    // No uneven-light photo here: the data cannot say which of its warns matter, so the rule stays as written.
    expect(points.gates['light.uneven']).toBeUndefined();
  });
});

describe('a gate whose warns catch no defect photo', () => {
  /** Dark photos the exposure rule fails; good photos it passes, or (some) warns on. */
  const dark = (goodWarns: boolean): Sample[] =>
    Array.from({ length: 200 }, (_, i) => {
      const bad = i % 4 === 0;
      const warn = !bad && goodWarns && i % 10 === 1;
      return {
        file: bad ? `defects/dark/${i}.jpg` : `portraits/${i}.jpg`,
        repo: `repo${i % 10}`,
        labels: bad ? 'dark' : '',
        good: !bad,
        features: {},
        rules: { 'light.exposure': bad ? 'fail' : warn ? 'warn' : 'pass' },
        values: { 'light.exposure': bad ? 10 : warn ? 38 : 60 },
      };
    });

  it('lets none of its warns stand, whether or not they reach good photos here', () => {
    expect(operatingPoints(dark(false), new Map()).gates['light.exposure']?.warn).toBeNull();
    expect(operatingPoints(dark(true), new Map()).gates['light.exposure']?.warn).toBeNull();
  });
});

describe('a calibration deciding report entries', () => {
  const cal: Calibration = {
    manifest: 'x',
    method: 'test',
    seed: 0,
    features: ['f'],
    mean: [0],
    scale: [1],
    checks: {
      'head.covering': { weights: [1], bias: 0, warn: 1, share: 0.01 },
      'background.uniform': { weights: [1], bias: 0, warn: 1, share: 0.01 },
      'glasses.reflection': { weights: [1], bias: 0, warn: null, share: 0 },
    },
    cv: null,
  };
  const entry = (id: CheckResult['id'], status: CheckResult['status']): CheckResult => ({
    id,
    status,
    value: 0.4,
    threshold: 'rule',
    message: { zh: '规则', en: 'rule' },
  });

  it('sends what the rule passed to review, keeping the value and giving advice', () => {
    const warned = applyLearned([entry('head.covering', 'pass')], { f: 2 }, cal)[0]!;
    expect(warned.status).toBe('warn');
    expect(warned.value).toBe(0.4);
    expect(warned.message.zh).toMatch(/帽子/);
    expect(applyLearned([entry('head.covering', 'pass')], { f: 0.5 }, cal)[0]!.status).toBe('pass');
    expect(applyLearned([entry('glasses.reflection', 'pass')], { f: 100 }, cal)[0]!.status).toBe('pass');
  });

  it('never lowers or raises past warn what the rule decided', () => {
    for (const status of ['warn', 'fail'] as const) {
      for (const f of [0, 5]) {
        const e = applyLearned([entry('head.covering', status)], { f }, cal)[0]!;
        expect(e).toEqual(entry('head.covering', status));
      }
    }
  });

  it('lets a gated rule warn stand only at its level, and never touches a fail or an unmeasured value', () => {
    const gated: Calibration = {
      ...cal,
      rules: {
        'light.backlit': { direction: 'high', centre: 10, warn: 50 },
        'light.exposure': { direction: 'far', centre: 60, warn: 25 },
        'light.uneven': { direction: 'low', centre: 0, warn: null },
      },
    };
    const at = (id: CheckResult['id'], status: CheckResult['status'], value: number | null) =>
      applyLearned([{ ...entry(id, status), value }], null, gated)[0]!;
    expect(at('light.backlit', 'warn', 49.9).status).toBe('pass');
    expect(at('light.backlit', 'warn', 49.9).threshold).toMatch(/gated/);
    expect(at('light.backlit', 'warn', 49.9).message.zh).toBe('非逆光');
    expect(at('light.backlit', 'warn', 50).status).toBe('warn');
    expect(at('light.backlit', 'fail', 20).status).toBe('fail');
    expect(at('light.backlit', 'warn', null).status).toBe('warn');
    // 'far' reads both sides of the good photos' median.
    expect(at('light.exposure', 'warn', 30).status).toBe('warn');
    expect(at('light.exposure', 'warn', 90).status).toBe('warn');
    expect(at('light.exposure', 'warn', 40).status).toBe('pass');
    expect(at('light.uneven', 'warn', -1000).status).toBe('pass');
    // Checks without a gate are as the rule said.
    expect(at('light.exposure', 'warn', 30).value).toBe(30);
    expect(at('eyes.open', 'warn', 0).status).toBe('warn');
  });

  it("lets a model gate read the check's model, and keep the rule's warn without evidence", () => {
    const gated: Calibration = { ...cal, rules: { 'head.covering': { direction: 'model', centre: 0, warn: 0.5 } } };
    // The model's logit here is f (weight 1, bias 0); the rule's value plays no part.
    const at = (f: number | null) =>
      applyLearned([entry('head.covering', 'warn')], f === null ? null : { f }, gated)[0]!.status;
    expect(at(0.4)).toBe('pass');
    expect(at(0.6)).toBe('warn');
    expect(at(null)).toBe('warn');
    expect(gateHolds({ direction: 'model', centre: 0, warn: null }, 1, 10)).toBe(false);
  });

  it('adds a flagged entry that was missing, and is off without evidence', () => {
    const added = applyLearned([], { f: 2 }, cal);
    expect(added.map((e) => [e.id, e.status])).toEqual([
      ['head.covering', 'warn'],
      ['background.uniform', 'warn'],
    ]);
    expect(applyLearned([entry('head.covering', 'pass')], null, cal)[0]!.status).toBe('pass');
    // Features are clipped at ±6 sd, as in training.
    expect(logit(cal, cal.checks['head.covering']!, { f: 100 })).toBe(6);
  });
});
