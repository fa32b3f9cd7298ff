// Starts everything on embedded defaults: migrate, seed the demo university into an empty
// database, run the HTTP server (and, unless KAOZHAO_PHOTO_WORKERS=0, photo workers in-process).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from './config.js';
import { migrateDatabase, openDatabase } from './db/client.js';
import { isEmpty, seedDemo } from './seed/demo.seed.js';
import { buildApp } from './server/app.js';
import { createContext } from './server/context.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pg') });
  await migrateDatabase(database);
  const ctx = await createContext(config, database, { processJobs: config.photoPoolSize > 0 });
  let seeded: Awaited<ReturnType<typeof seedDemo>> | undefined;
  if (await isEmpty(database.db)) {
    seeded = await seedDemo(database.db, ctx.cipher);
    // Demo people are generated; their ID numbers go to a file, not the log.
    const file = path.join(config.dataDir, 'demo-logins.txt');
    const lines = seeded.students.slice(0, 10).map((s) => `${s.studentNumber}\t${s.idNumber}`);
    writeFileSync(file, `学号\t身份证号\n${lines.join('\n')}\n`, { mode: 0o600 });
  }
  const app = await buildApp(ctx);
  const shutdown = async () => {
    await app.close();
    await ctx.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await app.listen({ port: config.port, host: config.host });
  const url = `http://127.0.0.1:${config.port}`;
  console.log(`\n考照 Kaozhao is running: ${url}  (API description: ${url}/docs)`);
  console.log(
    `Database: ${database.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}/pg` : 'PostgreSQL server'}`,
  );
  if (seeded) {
    console.log('Demo university created.');
    console.log(
      `  Students: open ${url}/ and use a student number and ID number from ${config.dataDir}/demo-logins.txt`,
    );
    console.log(
      `  Admins (password "${seeded.admins[0]!.password}"): hq, branch1, branch2, centre1, centre3, reviewer, reviewer1`,
    );
    console.log(`  Admin console: ${url}/admin  (API: POST /api/admin/login)`);
  }
}

main().catch((e: unknown) => {
  console.error('Kaozhao failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
