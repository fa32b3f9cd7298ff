// A photo worker without the HTTP server: with DATABASE_URL it takes jobs from the shared durable
// queue, so workers can run on other machines than the API.
import path from 'node:path';
import { loadConfig } from './config.js';
import { migrateDatabase, openDatabase } from './db/client.js';
import { startOrphanedPhotoSweep } from './jobs/photo-queue.js';
import { createContext } from './server/context.js';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    console.error('The worker process needs DATABASE_URL: the embedded database runs its photo jobs in `npm start`.');
    process.exit(2);
  }
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pg') });
  await migrateDatabase(database);
  const ctx = await createContext(config, database, { processJobs: true });
  await ctx.jobsReady;
  // Photos the durable queue will not finish (given up after its retries, or never enqueued).
  const sweep = startOrphanedPhotoSweep({
    database,
    queue: ctx.queue,
    photos: ctx.repos.photos,
    storage: ctx.storage,
    metrics: ctx.metrics,
  });
  console.log(
    `Kaozhao photo worker started (${Math.max(1, config.photoPoolSize)} concurrent jobs, queue ${ctx.queue.kind}).`,
  );
  const shutdown = async () => {
    await sweep.stop();
    await ctx.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((e: unknown) => {
  console.error('Kaozhao worker failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
