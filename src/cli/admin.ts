// kaozhao admin create --role hq --username NAME [--unit CODE] [--display-name NAME]
// The first HQ admin of a real deployment (no demo there), or another account when none can sign in
// to make it. Opens the database `npm start` uses (DATA_DIR / DATABASE_URL) and migrates it; an empty
// database gets its HQ unit. The password is asked for twice without echo on a terminal, or read as
// the first line of stdin, so it never appears in the shell history or the process list.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../config.js';
import { migrateDatabase, openDatabase } from '../db/client.js';
import { lockEmbeddedDatabase } from '../db/embedded-lock.js';
import { orgUnits } from '../db/schema.js';
import { KaozhaoError } from '../domain/errors.js';
import { PASSWORD_MIN_LENGTH } from '../domain/password-policy.js';
import { ROLE_LABELS, ROLE_UNIT_LEVELS, ROLES, type Role } from '../domain/roles.js';
import { createAdminRepository } from '../server/repositories/admin.repository.js';
import { createAuditRepository } from '../server/repositories/audit.repository.js';
import { createOrgRepository } from '../server/repositories/org.repository.js';
import { assertPasswordPolicy, USERNAME_PATTERN } from '../server/services/admin-account.service.js';
import { hashPassword } from '../server/services/admin-auth.service.js';
import { isUniqueViolation } from '../server/services/manage-common.js';
import { UNIT_CODE_PATTERN } from '../server/services/unit-admin.service.js';

export const ADMIN_USAGE = `usage: kaozhao admin create --role ${ROLES.join('|')} --username NAME [--unit CODE] [--display-name NAME]
  --unit: the unit's code; HQ admins default to the HQ unit (created, code HQ or --unit, when the database is empty)
  password: asked for on a terminal, else the first line of stdin`;

class UsageError extends Error {}

/**
 * Asks for the password twice on a terminal. Raw mode for the whole exchange, set before the first
 * prompt shows: nothing typed reaches the screen, not even asterisks, and not between the prompts.
 */
async function promptPasswordTwice(): Promise<string[]> {
  const stdin = process.stdin;
  const prompts = [`Password (at least ${PASSWORD_MIN_LENGTH} characters): `, 'Repeat the password: '];
  stdin.setRawMode(true);
  process.stderr.write(prompts[0]!);
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const lines: string[] = [];
      let typed = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\u0003') return reject(new UsageError('cancelled'));
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            lines.push(typed);
            typed = '';
            process.stderr.write('\n');
            if (lines.length === prompts.length) return resolve(lines);
            process.stderr.write(prompts[lines.length]!);
          } else if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
          else if (ch >= ' ') typed += ch;
        }
      };
      stdin.on('data', onData);
      stdin.resume();
    });
  } finally {
    stdin.setRawMode(false);
    stdin.removeAllListeners('data');
    stdin.pause();
  }
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const [first, again] = await promptPasswordTwice();
    if (first !== again) throw new UsageError('the two passwords differ');
    return first!;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

async function create(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      role: { type: 'string' },
      username: { type: 'string' },
      unit: { type: 'string' },
      'display-name': { type: 'string' },
    },
  });
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role) || !values.username) throw new UsageError(ADMIN_USAGE);
  if (role !== 'hq' && !values.unit) throw new UsageError(`--unit CODE is required for a ${role} account`);
  const username = values.username.trim();
  if (!new RegExp(USERNAME_PATTERN).test(username)) throw KaozhaoError.of('admin.username_invalid');
  const displayName = values['display-name']?.trim() || username;

  const password = await readPassword();
  // The console's policy (length, not the username, not a common password): same rules, same message.
  assertPasswordPolicy(username, password);
  const passwordHash = await hashPassword(password);

  const config = loadConfig();
  const lock = config.databaseUrl ? undefined : lockEmbeddedDatabase(config.dataDir);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: path.join(config.dataDir, 'pg'),
    poolSize: 2,
  });
  try {
    await migrateDatabase(database);
    const created = await database.db.transaction(async (tx) => {
      const units = createOrgRepository(tx);
      let unit = values.unit ? await units.byCode(values.unit) : undefined;
      if (!unit && role === 'hq') {
        const [anyUnit] = await tx.select({ id: orgUnits.id }).from(orgUnits).limit(1);
        // Only an empty database gets an HQ unit: a second root would split the tree.
        if (!anyUnit) {
          const code = values.unit ?? 'HQ';
          if (!new RegExp(UNIT_CODE_PATTERN).test(code)) throw KaozhaoError.of('unit.code_invalid');
          unit = await units.create({ level: 'hq', code, name: '总部' });
        } else if (!values.unit) {
          [unit] = await tx.select().from(orgUnits).where(eq(orgUnits.level, 'hq')).limit(1);
        }
      }
      if (!unit) throw KaozhaoError.of('unit.not_found');
      if (!ROLE_UNIT_LEVELS[role].includes(unit.level)) throw KaozhaoError.of('admin.role_unit_mismatch');
      const admins = createAdminRepository(tx);
      if (await admins.byUsername(username)) throw KaozhaoError.of('admin.username_taken');
      const admin = await admins.create({ username, displayName, passwordHash, role, unitId: unit.id });
      // No admin did this: the entry has no actor, and says it came from the command line.
      await createAuditRepository(tx).record({
        adminId: null,
        action: 'admin.create',
        unitId: unit.id,
        detail: { targetAdminId: admin.id, username, role, via: 'cli' },
      });
      return { unit };
    });
    console.log(
      `Created ${ROLE_LABELS[role]} (${role}) "${username}" in ${created.unit.code} ${created.unit.name}. ` +
        'Sign in at /admin on the server.',
    );
    return 0;
  } catch (e) {
    if (isUniqueViolation(e)) throw KaozhaoError.of('admin.username_taken');
    throw e;
  } finally {
    await database.close();
    lock?.release();
  }
}

export async function admin(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'create') return await create(rest);
    console.error(ADMIN_USAGE);
    return 2;
  } catch (e) {
    if (e instanceof KaozhaoError) console.error(`${e.code}: ${e.zh} (${e.en})`);
    else console.error(e instanceof Error ? e.message : String(e));
    return e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}
