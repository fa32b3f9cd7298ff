import { describe, expect, it } from 'vitest';
import { createIdCipher } from '../../src/db/crypto.js';
import { idNumber, rng } from '../../src/seed/names.js';
import { isValidIdNumber, maskIdNumber, maskName } from '../../src/server/services/id-number.js';
import { parseCsv } from '../../src/server/services/roster.service.js';

describe('ID numbers, masks, cipher and CSV', () => {
  it('validates GB 11643 check characters and birth dates', () => {
    expect(isValidIdNumber('11010519491231002X')).toBe(true);
    expect(isValidIdNumber('11010519491231002x')).toBe(true);
    expect(isValidIdNumber('110105194912310021')).toBe(false);
    expect(isValidIdNumber('110105194902300021')).toBe(false);
    expect(isValidIdNumber('1101051949123100')).toBe(false);
    const r = rng(1);
    for (let i = 0; i < 1000; i++) expect(isValidIdNumber(idNumber(r))).toBe(true);
  });

  it('masks names and ID numbers', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('张小三')).toBe('张*三');
    expect(maskName('欧阳小明')).toBe('欧**明');
    expect(maskIdNumber('11010519491231002X')).toBe('1101**********002X');
  });

  it('encrypts with a fresh IV, decrypts, and looks up by keyed hash only', () => {
    const a = createIdCipher('a'.repeat(40));
    const b = createIdCipher('b'.repeat(40));
    const e1 = a.encrypt('11010519491231002X');
    const e2 = a.encrypt('11010519491231002X');
    expect(Buffer.from(e1).equals(Buffer.from(e2))).toBe(false);
    expect(a.decrypt(e1)).toBe('11010519491231002X');
    expect(() => b.decrypt(e1)).toThrow();
    expect(a.equalHmac(a.hmac('11010519491231002x'), a.hmac('11010519491231002X'))).toBe(true);
    expect(a.equalHmac(a.hmac('11010519491231002X'), b.hmac('11010519491231002X'))).toBe(false);
  });

  it('parses quoted CSV fields, CRLF and embedded commas', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n3,\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['3', ''],
    ]);
  });
});
