// ID numbers at rest: AES-256-GCM ciphertext plus an HMAC for lookups. Keys are derived from the
// configured secret, so a database dump alone reveals neither the numbers nor a way to test guesses.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface IdCipher {
  encrypt(plain: string): Uint8Array;
  decrypt(blob: Uint8Array): string;
  hmac(plain: string): Uint8Array;
  equalHmac(a: Uint8Array, b: Uint8Array): boolean;
  /** A stable keyed stand-in for an identifier (student number) in records that must outlive it. */
  pseudonym(plain: string): string;
}

export function createIdCipher(secret: string): IdCipher {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'kaozhao', info, 32));
  const encKey = derive('id-number-encryption');
  const macKey = derive('id-number-lookup');
  // Its own key: a pseudonym must not double as an ID-number lookup value.
  const pseudonymKey = derive('student-pseudonym');
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), ct]));
    },
    decrypt(blob) {
      const b = Buffer.from(blob);
      const decipher = createDecipheriv('aes-256-gcm', encKey, b.subarray(0, 12));
      decipher.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([decipher.update(b.subarray(28)), decipher.final()]).toString('utf8');
    },
    hmac(plain) {
      return new Uint8Array(createHmac('sha256', macKey).update(plain.toUpperCase()).digest());
    },
    equalHmac(a, b) {
      return a.length === b.length && timingSafeEqual(a, b);
    },
    pseudonym(plain) {
      return createHmac('sha256', pseudonymKey).update(plain.trim().toUpperCase()).digest('base64url').slice(0, 22);
    },
  };
}
