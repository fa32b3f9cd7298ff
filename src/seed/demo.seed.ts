// The demo university: HQ, 2 branches, 4 centres, ~2,000 students, an open campaign and one admin
// per role. The people are deterministic (same students on every machine); the admin passwords are
// not: each install generates its own, so a demo left running somewhere is not open to everyone.
import { randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { rows } from '../db/client.js';
import type { IdCipher } from '../db/crypto.js';
import { admins, campaigns, orgUnits, students } from '../db/schema.js';
import { checkPasswordPolicy } from '../domain/password-policy.js';
import type { Role } from '../domain/roles.js';
import { createCountsRepository } from '../server/repositories/counts.repository.js';
import type { StorageRepository } from '../server/repositories/storage.repository.js';
import { hashPassword } from '../server/services/admin-auth.service.js';
import { maskIdNumber } from '../server/services/id-number.js';
import { DEMO_DAYS_LEFT, DEMO_DAYS_SO_FAR, type DemoActivity, seedDemoActivity } from './demo-activity.js';
import { chineseName, idNumber, rng } from './names.js';

export interface DemoStudent {
  id: number;
  studentNumber: string;
  name: string;
  idNumber: string;
  centreId: number;
  branchId: number;
}

export interface DemoData {
  campaignId: string;
  hqId: number;
  branchIds: number[];
  centreIds: number[];
  /** Centre ids per branch id. */
  centresOf: Map<number, number[]>;
  admins: { username: string; role: Role; unitId: number; password: string }[];
  students: DemoStudent[];
}

export interface SeedOptions {
  students?: number;
  seed?: number;
  /** Campaign window; default: opened yesterday, closes in 30 days. */
  startsAt?: Date;
  endsAt?: Date;
  /** Tests only: one known password for every demo admin instead of generated ones. */
  adminPassword?: string;
}

// No 0/o, 1/l/i: the password is read off a terminal and typed by hand.
const PASSWORD_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** xxxx-xxxx-xxxx-xxxx from 31 symbols: ≈ 79 bits, 19 characters, within the password policy. */
export function generateDemoPassword(username: string): string {
  for (;;) {
    const groups: string[] = [];
    for (let g = 0; g < 4; g++) {
      let group = '';
      for (let i = 0; i < 4; i++) group += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
      groups.push(group);
    }
    const password = groups.join('-');
    // A draw that happens to contain the username, say, is drawn again.
    if (!checkPasswordPolicy(username, password)) return password;
  }
}

export async function isEmpty(db: Db): Promise<boolean> {
  const r = await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM org_units`);
  return (r[0]?.n ?? 0) === 0;
}

export async function hasAdmins(db: Db): Promise<boolean> {
  const r = await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM admins`);
  return (r[0]?.n ?? 0) > 0;
}

function semesterOf(d: Date): { semester: string; index: number } {
  const year = d.getUTCFullYear();
  const term = d.getUTCMonth() >= 7 ? 2 : 1;
  return { semester: `${year}-${term}`, index: year * 2 + term - 1 };
}

export async function seedDemo(db: Db, cipher: IdCipher, opts: SeedOptions = {}): Promise<DemoData> {
  const r = rng(opts.seed ?? 20_260_901);
  const n = opts.students ?? 2000;
  const [hq] = await db.insert(orgUnits).values({ level: 'hq', code: 'HQ', name: '国家开放大学总部' }).returning();
  const branchNames = ['北京分部', '广东分部'];
  const centreNames = [
    ['北京海淀学习中心', '北京朝阳学习中心'],
    ['广州天河学习中心', '深圳南山学习中心'],
  ];
  const branchIds: number[] = [];
  const centreIds: number[] = [];
  const centresOf = new Map<number, number[]>();
  for (let b = 0; b < branchNames.length; b++) {
    const [branch] = await db
      .insert(orgUnits)
      .values({ level: 'branch', code: `B${b + 1}`, name: branchNames[b]!, parentId: hq!.id })
      .returning();
    branchIds.push(branch!.id);
    const mine: number[] = [];
    for (let c = 0; c < 2; c++) {
      const [centre] = await db
        .insert(orgUnits)
        .values({ level: 'centre', code: `B${b + 1}C${c + 1}`, name: centreNames[b]![c]!, parentId: branch!.id })
        .returning();
      centreIds.push(centre!.id);
      mine.push(centre!.id);
    }
    centresOf.set(branch!.id, mine);
  }

  const list: Omit<DemoStudent, 'id'>[] = [];
  const intakes = ['2024-1', '2024-2', '2025-1', '2025-2', '2026-1'];
  for (let i = 0; i < n; i++) {
    const centreIdx = i % centreIds.length;
    list.push({
      studentNumber: `26${String(centreIdx + 1).padStart(2, '0')}${String(i + 1).padStart(7, '0')}`,
      name: chineseName(r),
      idNumber: idNumber(r),
      centreId: centreIds[centreIdx]!,
      branchId: branchIds[Math.floor(centreIdx / 2)]!,
    });
  }
  const out: DemoStudent[] = [];
  for (let i = 0; i < list.length; i += 500) {
    const chunk = list.slice(i, i + 500);
    const inserted = await db
      .insert(students)
      .values(
        chunk.map((s, j) => ({
          studentNumber: s.studentNumber,
          name: s.name,
          idNumberEnc: cipher.encrypt(s.idNumber),
          idNumberHmac: cipher.hmac(s.idNumber),
          idNumberMasked: maskIdNumber(s.idNumber),
          centreId: s.centreId,
          branchId: s.branchId,
          // A few non-enrolled students so the "not required" path shows in the demo.
          enrolmentStatus: (i + j) % 97 === 96 ? ('suspended' as const) : ('enrolled' as const),
          intakeSemester: intakes[(i + j) % intakes.length]!,
          phone: (i + j) % 3 === 0 ? `138${String(10_000_000 + i + j).slice(-8)}` : null,
        })),
      )
      .returning({ id: students.id });
    for (const [j, st] of chunk.entries()) out.push({ ...st, id: inserted[j]!.id });
  }

  const now = Date.now();
  const startsAt = opts.startsAt ?? new Date(now - 86_400_000);
  const endsAt = opts.endsAt ?? new Date(now + 30 * 86_400_000);
  const sem = semesterOf(startsAt);
  const [campaign] = await db
    .insert(campaigns)
    .values({
      name: `${sem.semester.replace('-1', '年春季').replace('-2', '年秋季')}考试照片采集`,
      semester: sem.semester,
      semesterIndex: sem.index,
      startsAt,
      endsAt,
      specId: 'chsi',
      support: [
        { label: '学习中心', phone: '010-6649-0000', hours: '工作日 9:00–17:00' },
        { label: '技术支持', email: 'photo-help@example.edu.cn', wechat: 'kaozhao-help' },
        // Each centre's own desk, shown to students who open that centre's entry link.
        ...centreNames.flat().map((label, i) => ({
          label,
          unitCode: `B${Math.floor(i / 2) + 1}C${(i % 2) + 1}`,
          phone: `010-6649-01${String(i + 1).padStart(2, '0')}`,
          hours: '工作日 8:30–17:30',
        })),
      ],
    })
    .returning();

  // One password per account, not one shared: demo logins are handed to people to try one role
  // (a centre's staff gets centre1), and a shared password would open hq to all of them.
  const passwordOf = (username: string) => opts.adminPassword ?? generateDemoPassword(username);
  const adminList: DemoData['admins'] = [
    { username: 'hq', role: 'hq', unitId: hq!.id, password: passwordOf('hq') },
    { username: 'branch1', role: 'branch', unitId: branchIds[0]!, password: passwordOf('branch1') },
    { username: 'branch2', role: 'branch', unitId: branchIds[1]!, password: passwordOf('branch2') },
    { username: 'centre1', role: 'centre', unitId: centreIds[0]!, password: passwordOf('centre1') },
    { username: 'centre3', role: 'centre', unitId: centreIds[2]!, password: passwordOf('centre3') },
    { username: 'reviewer', role: 'reviewer', unitId: hq!.id, password: passwordOf('reviewer') },
    { username: 'reviewer1', role: 'reviewer', unitId: branchIds[0]!, password: passwordOf('reviewer1') },
  ];
  const hashes = new Map<string, Promise<string>>();
  for (const a of adminList) if (!hashes.has(a.password)) hashes.set(a.password, hashPassword(a.password));
  await db.insert(admins).values(
    await Promise.all(
      adminList.map(async (a) => ({
        username: a.username,
        displayName: `演示${a.username}`,
        passwordHash: await hashes.get(a.password)!,
        role: a.role,
        unitId: a.unitId,
      })),
    ),
  );
  await createCountsRepository(db).refresh(campaign!.id);
  return {
    campaignId: campaign!.id,
    hqId: hq!.id,
    branchIds,
    centreIds,
    centresOf,
    admins: adminList,
    students: out,
  };
}

/**
 * What a development start seeds into an empty database: the university, its campaign a few weeks
 * in, and the history of those weeks, so the console shows what the product does. Undefined when
 * the database already holds something (a second start seeds nothing).
 */
export async function seedDemoIfEmpty(
  db: Db,
  cipher: IdCipher,
  storage: StorageRepository,
  opts: SeedOptions & { now?: Date } = {},
): Promise<(DemoData & { activity: DemoActivity }) | undefined> {
  if (!(await isEmpty(db))) return undefined;
  const now = opts.now ?? new Date();
  const demo = await seedDemo(db, cipher, {
    startsAt: new Date(now.getTime() - DEMO_DAYS_SO_FAR * 86_400_000),
    endsAt: new Date(now.getTime() + DEMO_DAYS_LEFT * 86_400_000),
    ...opts,
  });
  const activity = await seedDemoActivity(db, storage, demo, { now, ...(opts.seed ? { seed: opts.seed } : {}) });
  return { ...demo, activity };
}
