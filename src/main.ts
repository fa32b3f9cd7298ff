// Starts everything on embedded defaults: migrate, seed the demo university into an empty
// database when this is a development start (config.demo), run the HTTP server (and, unless
// KAOZHAO_PHOTO_WORKERS=0, photo workers in-process).
import path from 'node:path';
import { loadConfig } from './config.js';
import { migrateDatabase, openDatabase } from './db/client.js';
import { lockEmbeddedDatabase } from './db/embedded-lock.js';
import { startOrphanedPhotoSweep } from './jobs/photo-queue.js';
import { hasAdmins, seedDemoIfEmpty } from './seed/demo.seed.js';
import { DEMO_LOGINS_FILE, writeDemoLogins } from './seed/demo-logins.js';
import { buildApp } from './server/app.js';
import { createContext } from './server/context.js';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) lockEmbeddedDatabase(config.dataDir);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pg') });
  await migrateDatabase(database);
  const ctx = await createContext(config, database, { processJobs: config.photoPoolSize > 0 });
  // Where photos are made: photos left processing with no job to finish them. Embedded, the
  // start has just queued every such photo again (a crash mid-job); the rounds after catch an
  // upload whose source could not be stored. Durable queue: see src/jobs/photo-queue.ts.
  const sweep =
    config.photoPoolSize > 0
      ? startOrphanedPhotoSweep({
          database,
          queue: ctx.queue,
          photos: ctx.repos.photos,
          storage: ctx.storage,
          metrics: ctx.metrics,
        })
      : undefined;
  const seeded = config.demo ? await seedDemoIfEmpty(database.db, ctx.cipher, ctx.storage) : undefined;
  if (seeded) writeDemoLogins(path.join(config.dataDir, DEMO_LOGINS_FILE), seeded);
  const noAdmin = !seeded && !(await hasAdmins(database.db));
  const app = await buildApp(ctx);
  const shutdown = async () => {
    await sweep?.stop();
    await app.close();
    await ctx.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await app.listen({ port: config.port, host: config.host });
  // All interfaces (HOST=0.0.0.0) include loopback, the one address sure to work from here.
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
  console.log(`\n考照 Kaozhao is running: ${url}  (API description: ${url}/docs)`);
  console.log(
    `Database: ${database.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}/pg` : 'PostgreSQL server'}`,
  );
  if (seeded) {
    const logins = path.join(config.dataDir, DEMO_LOGINS_FILE);
    console.log('Demo university created.');
    console.log(`  Students: open ${url}/ and use a student number and ID number from ${logins}`);
    // Shown this once; the file keeps them (owner-readable only).
    console.log(`  Admin console: ${url}/admin  (API: POST /api/admin/login), passwords generated for this install:`);
    for (const a of seeded.admins) console.log(`    ${a.username.padEnd(10)} ${a.password}`);
    console.log(`  (also in ${logins})`);
  } else if (noAdmin) {
    console.log('No admin account yet: create the first headquarters admin with');
    console.log('  ./bin/kaozhao.mjs admin create --role hq --username <name>');
    console.log(
      '  (same DATA_DIR / DATABASE_URL as the server; the password is asked for, or read from stdin;' +
        ' with the embedded database, stop the server first)',
    );
  }
}

main().catch((e: unknown) => {
  console.error('Kaozhao failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
