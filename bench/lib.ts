import { cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One figure of a benchmark; `baseline` is the same work done by the reference in the same run. */
export interface Figure {
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
}

export interface BenchResult {
  name: string;
  date: string;
  machine: { cpus: number; model: string };
  figures: Record<string, Figure>;
  notes?: string;
}

export function figure(value: number, unit: string, baseline?: number): Figure {
  const round = (n: number) => Math.round(n * 100) / 100;
  if (baseline === undefined) return { value: round(value), unit };
  return { value: round(value), unit, baseline: round(baseline), ratio: baseline === 0 ? 0 : Math.round((value / baseline) * 1000) / 1000 };
}

/** Writes bench/results/NAME.json in the shape of ARCHITECTURE.md §5. */
export function writeResult(name: string, figures: Record<string, Figure>, notes?: string): BenchResult {
  const result: BenchResult = {
    name,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown' },
    figures,
    ...(notes ? { notes } : {}),
  };
  const dir = path.join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(result, null, 2) + '\n');
  return result;
}
