// Small statistics for the bench: percentiles over samples, in milliseconds.

export interface Distribution {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export function distribution(values: number[]): Distribution {
  return { n: values.length, p50: Math.round(percentile(values, 50)), p95: Math.round(percentile(values, 95)), max: Math.round(Math.max(...values)) };
}

export function meanCalls(samples: Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const s of samples) for (const [k, v] of Object.entries(s)) total[k] = (total[k] ?? 0) + v;
  return Object.fromEntries(Object.entries(total).map(([k, v]) => [k, Math.round((v / Math.max(1, samples.length)) * 10) / 10]));
}

export const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);
