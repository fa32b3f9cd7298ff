// Admin passwords and sign-in limits, defined once: the server enforces them on create, reset and
// change, and the console checks the same rules before it sends a form.

/** At least this long. */
export const PASSWORD_MIN_LENGTH = 12;
/** Longer input is refused before hashing (argon2 on megabytes would be a cheap way to load the CPU). */
export const PASSWORD_MAX_LENGTH = 128;

/** Consecutive failed sign-ins that lock an account, and for how long. */
export const ADMIN_LOCKOUT = { failures: 5, minutes: 15 } as const;

// Compared after lower-casing and dropping everything but letters and digits, so "Password-123!"
// and "KAOZHAO_DEMO" match too. Short entries are refused by length anyway; they are here so the
// list stays right if the minimum length ever goes down.
const COMMON = [
  '1234567890',
  '12345678910',
  '123456789012',
  '1234567890123',
  '0123456789',
  '0987654321',
  '1122334455',
  '1111111111',
  '0000000000',
  '5201314520',
  '5201314',
  '1314520520',
  'password',
  'password1',
  'password12',
  'password123',
  'password1234',
  'password12345',
  'password123456',
  'passw0rd',
  'passw0rd123',
  'p@ssw0rd',
  'p@ssw0rd123',
  'p@ssword123',
  'mypassword123',
  'newpassword123',
  'changeme123',
  'changeme1234',
  'changeit1234',
  'welcome123',
  'welcome1234',
  'welcome12345',
  'admin123',
  'admin1234',
  'admin12345',
  'admin123456',
  'admin1234567',
  'admin12345678',
  'administrator',
  'administrator1',
  'administrator123',
  'adminadmin123',
  'root123456789',
  'superadmin123',
  'qwerty123',
  'qwerty123456',
  'qwertyuiop',
  'qwertyuiop123',
  'qwertyuiop1234',
  'qwerasdfzxcv',
  'asdfghjkl123',
  'asdfghjkl;',
  'zxcvbnm123',
  'zxcvbnm12345',
  'zxcvbnm123456',
  '1qaz2wsx',
  '1qaz2wsx3edc',
  '1qaz2wsx3edc4rfv',
  '1q2w3e4r5t6y',
  '1q2w3e4r5t6y7u',
  'q1w2e3r4t5y6',
  'zaq12wsxcde3',
  'abc123456789',
  'abcd12345678',
  'abcdefghijkl',
  'abcdef123456',
  'a1b2c3d4e5f6',
  'aa123456789',
  'iloveyou1234',
  'iloveyou123456',
  'woaini1314',
  'woaini520',
  'woaini1314520',
  'woaiwojia123',
  'nihao123456',
  'wangyiyun123',
  'wodemima123',
  'mima12345678',
  'mimamima1234',
  'kaozhao-demo',
  'kaozhao123',
  'kaozhao123456',
  'kaozhao2026',
  'kaozhaoadmin',
  'kaozhao-admin',
  'ouchn123456',
  'ouchn12345678',
  'guokai123456',
  'zhongyang123',
  'dianda123456',
  'china12345678',
  'beijing123456',
  'beijing2008',
  'shanghai123456',
  'letmein123456',
  'trustno1trustno1',
  'football1234',
  'baseball1234',
  'sunshine1234',
  'princess1234',
  'starwars1234',
  'monkey123456',
  'dragon123456',
  'master123456',
  'test12345678',
  'testtest1234',
  'temp12345678',
  'default12345',
  'guest12345678',
  'user12345678',
];

const normalise = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
const COMMON_SET = new Set(COMMON.map(normalise));

/** Each rule a password can break, with what the console and the error message say. */
export const PASSWORD_RULES = {
  length: {
    zh: `长度须为 ${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} 位`,
    en: `use ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
  },
  username: { zh: '不能包含用户名', en: 'it must not contain the username' },
  common: { zh: '不能使用常见密码', en: 'it is a common password' },
  digits: { zh: '不能全是数字', en: 'it must not be digits only' },
  repetitive: { zh: '不能由少数几个字符重复组成', en: 'it repeats too few different characters' },
} as const;
export type PasswordRule = keyof typeof PASSWORD_RULES;

/** The rules in one line, for the forms that ask for a new password. */
export const PASSWORD_POLICY_HINT = `至少 ${PASSWORD_MIN_LENGTH} 位；不能包含用户名、不能全是数字、不能是常见密码`;

/** The first rule `password` breaks for the account `username`, or null when it is acceptable. */
export function checkPasswordPolicy(username: string, password: string): PasswordRule | null {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) return 'length';
  const user = username.trim().toLowerCase();
  const lower = password.toLowerCase();
  // Two-letter names (the demo's "hq") would forbid too many unrelated passwords as a substring.
  if (user && (lower === user || (user.length >= 3 && lower.includes(user)))) return 'username';
  if (/^\d+$/.test(password)) return 'digits';
  if (new Set(password).size < 4) return 'repetitive';
  const n = normalise(password);
  if (COMMON_SET.has(n) || COMMON_SET.has(normalise(password.replace(/\d+$/, '')))) return 'common';
  return null;
}
