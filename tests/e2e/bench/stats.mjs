// Small statistics and formatting helpers for the benchmark report.
// Percentiles use the nearest-rank method on the sorted samples (p95 of n samples is the
// ceil(0.95·n)-th smallest); the median of an even count is the mean of the two middle samples.

export function sorted(samples) {
  return [...samples].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
}

export function percentile(samples, p) {
  const s = sorted(samples);
  if (s.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(rank, s.length) - 1];
}

export function median(samples) {
  const s = sorted(samples);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function summary(samples) {
  const s = sorted(samples);
  return {
    n: s.length,
    min: s[0] ?? NaN,
    p50: median(s),
    p95: percentile(s, 95),
    max: s[s.length - 1] ?? NaN,
    mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN,
  };
}

export const ms = (x, digits = 1) => (Number.isFinite(x) ? `${x.toFixed(digits)} ms` : 'n/a');
export const sec = (x, digits = 2) => (Number.isFinite(x) ? `${(x / 1000).toFixed(digits)} s` : 'n/a');
export const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');
export const int = (x) => (Number.isFinite(x) ? String(Math.round(x)) : 'n/a');

export function bytes(n) {
  if (!Number.isFinite(n)) return 'n/a';
  n = Math.round(n);
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB (${n} B)`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB (${n} B)`;
}

/** A plain-text table: `rows` are arrays of cells; numbers-looking cells are right-aligned. */
export function table(headers, rows) {
  const cells = [headers, ...rows].map((row) => row.map((cell) => String(cell ?? '')));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const numeric = (s) => /^[-+]?[\d.,]+(\s|×|$)/.test(s) || s === 'n/a';
  const line = (row) =>
    row
      .map((cell, i) => (i > 0 && numeric(cell) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

export function heading(title) {
  return `\n=== ${title} ${'='.repeat(Math.max(3, 90 - title.length))}`;
}
