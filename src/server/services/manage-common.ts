// Helpers shared by the admin management services (campaigns, units, accounts, audit log).

/** Whether a database error is a unique-constraint violation (a code or username taken in a race). */
export function isUniqueViolation(e: unknown): boolean {
  for (let x: unknown = e; x && typeof x === 'object'; x = (x as { cause?: unknown }).cause) {
    if ((x as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

/** Trimmed text of 1..max characters, or undefined. */
export function cleanText(v: string | undefined, max: number): string | undefined {
  const t = v?.trim() ?? '';
  return t.length >= 1 && [...t].length <= max ? t : undefined;
}
