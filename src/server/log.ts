/** The stack without its first line: error messages (from drivers especially) can quote values. */
export function stackFrames(err: unknown): string {
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  return stack
    .split('\n')
    .filter((l) => l.trimStart().startsWith('at '))
    .join('\n');
}
