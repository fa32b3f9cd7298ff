// kaozhao photo … | kaozhao admin create … | kaozhao backup|restore FILE | kaozhao storage migrate
// Each command is loaded on demand: `admin` does not wait for the photo engine to load.
const USAGE = `usage: kaozhao photo <files...> [--spec chsi|xinhua|idcard] [--bg blue|white|gray] [--out dir] [--json] [--workers n]
       kaozhao admin create --role hq|branch|centre|reviewer|invigilator --username NAME [--unit CODE] [--display-name NAME]
       kaozhao backup FILE | kaozhao restore FILE   (embedded database, photos and secret of DATA_DIR; server stopped)
       kaozhao storage migrate [--from fs|db] [--delete-source]   (photo files into the KAOZHAO_S3_* bucket, verified)`;

const [command, ...rest] = process.argv.slice(2);
if (command === 'photo') {
  const { photo } = await import('./photo.js');
  const { KaozhaoError } = await import('../domain/errors.js');
  process.exitCode = await photo(rest).catch((e: Error) => {
    console.error(e instanceof KaozhaoError ? `${e.code}: ${e.zh}` : e.message);
    return 2;
  });
} else if (command === 'backup' || command === 'restore') {
  const { backup } = await import('./backup.js');
  process.exitCode = await backup(command, rest);
} else if (command === 'admin') {
  const { admin } = await import('./admin.js');
  process.exitCode = await admin(rest);
} else if (command === 'storage') {
  const { storage } = await import('./storage.js');
  process.exitCode = await storage(rest);
} else {
  console.error(USAGE);
  process.exitCode = 2;
}
