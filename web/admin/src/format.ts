// Number formatting shared by tables, charts and reports.

/** 0..1 → "42.5%". */
export function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

export function count(n: number): string {
  return n.toLocaleString('zh-CN');
}

/** Today in China (the server's report day), as YYYY-MM-DD. */
export function chinaToday(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString('zh-CN', { hour12: false });
}
