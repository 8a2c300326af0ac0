/**
 * `pageseal bench`: which cipher to use on this machine, and what it costs.
 *
 *   pageseal bench [--quick] [--db] [--page-size N] [--json] [--svg FILE]
 *
 * Measures every cipher on every native path this CPU has (and the portable path), encrypt and
 * decrypt, µs per page for 4 KiB pages and the page size given; plain SQLite's own cost per page
 * read (the charts' baseline); with --db, a short database workload against plain better-sqlite3 in
 * the same run. Prints a table ending with a recommendation (stdout), or one JSON object (--json);
 * --svg writes the charts. Progress goes to stderr when it is a terminal.
 */
import { writeFileSync } from 'node:fs';
import { CIPHER_SPECS } from '../ciphers/registry.js';
import type { CipherName } from '../ciphers/types.js';
import { measureCiphers, type PathFigure } from './cipher-speed.js';
import { DB_WORKLOADS, measureDb, plainPageReadUs, type DbResult } from './db-workload.js';
import { machineInfo, type MachineInfo } from './machine.js';
import { recommend, type Recommendation } from './recommend.js';
import { renderSvg, type ChartSpec } from './svg.js';

export interface BenchOptions {
  quick: boolean;
  db: boolean;
  /** The page size asked for besides 4096 (4096 alone when equal). */
  pageSize: number;
  progress?: (what: string) => void;
}

export interface BenchResult {
  machine: MachineInfo;
  options: { quick: boolean; db: boolean; pageSizes: number[]; runsPerFigure: number };
  /** Every cipher x path x page size; `used` marks the path the VFS uses here. */
  ciphers: PathFigure[];
  /** Plain SQLite's µs per page read from the OS cache (full scan, small page cache), at `pageSize`. */
  plainPageReadUs: number;
  db?: { rows: number; reads: number; rounds: number; results: DbResult[] };
  recommendation: Recommendation;
  elapsedMs: number;
}

const VALID_PAGE_SIZES = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];

export function runBench(opts: BenchOptions): BenchResult {
  const t0 = performance.now();
  const machine = machineInfo();
  const pageSizes = [...new Set([4096, opts.pageSize])];
  const runs = opts.quick ? 9 : 21;
  const ciphers = measureCiphers({ pageSizes, runs, runMs: opts.quick ? 1 : 2, progress: opts.progress });
  opts.progress?.('plain SQLite page reads');
  const plainReadUs = plainPageReadUs(opts.pageSize, opts.quick ? 5 : 11);
  let db: BenchResult['db'];
  if (opts.db) {
    const shape = opts.quick ? { rows: 6000, reads: 10000, rounds: 3 } : { rows: 40000, reads: 50000, rounds: 5 };
    db = { ...shape, results: measureDb({ ...shape, pageSize: opts.pageSize, progress: opts.progress }) };
  }
  const recommendation = recommend(ciphers, opts.pageSize, db?.results, plainReadUs);
  return {
    machine,
    options: { quick: opts.quick, db: opts.db, pageSizes, runsPerFigure: runs },
    ciphers,
    plainPageReadUs: plainReadUs,
    db,
    recommendation,
    elapsedMs: Math.round(performance.now() - t0),
  };
}

// ---------- text ----------

const f2 = (x: number) => x.toFixed(2);
const mbs = (pageSize: number, us: number) => ((pageSize / us) | 0).toString();

export function formatText(r: BenchResult): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(`pageseal bench: ${m.cpu}, ${m.cores} cores, ${m.platform}, Node ${m.node}, load ${m.load.join(' ')}, ${m.date}`);
  lines.push(`CPU flags: ${m.cpuFlags.join(' ') || 'none of the AES/vector ones'}`);
  lines.push('');
  for (const ps of r.options.pageSizes) {
    lines.push(`Cipher cost per ${ps}-byte page (µs, median of ${r.options.runsPerFigure} runs; * = the path the VFS uses here)`);
    const head = `${'cipher'.padEnd(11)} ${'key'.padStart(4)} ${'path'.padEnd(10)} ${'encrypt'.padStart(8)} ${'decrypt'.padStart(8)} ${'enc MB/s'.padStart(9)} ${'dec MB/s'.padStart(9)}`;
    lines.push(head, '-'.repeat(head.length));
    for (const f of r.ciphers.filter((x) => x.pageSize === ps)) {
      const bits = CIPHER_SPECS.find((s) => s.name === f.cipher)!.keySize * 8;
      lines.push(
        `${f.cipher.padEnd(11)} ${String(bits).padStart(4)} ${(f.path + (f.used ? '*' : '')).padEnd(10)} ${f2(f.encryptUs).padStart(8)} ${f2(f.decryptUs).padStart(8)} ${mbs(ps, f.encryptUs).padStart(9)} ${mbs(ps, f.decryptUs).padStart(9)}`,
      );
    }
    lines.push('');
  }
  lines.push(`Plain SQLite reads a ${r.options.pageSizes.at(-1)}-byte page from the OS cache in ${f2(r.plainPageReadUs)} µs (full scan, small page cache): the baseline the cipher adds to.`);
  if (r.db) {
    lines.push('', `Database workload: ${r.db.rows} rows of 400 bytes, WAL, synchronous=NORMAL, 512 KiB page cache, ${r.db.reads} point reads; median of ${r.db.rounds} round(s), ratio to plain better-sqlite3 in the same round`);
    const head = `${'engine'.padEnd(11)} ${'insert µs/row'.padStart(14)} ${'x'.padStart(5)} ${'read µs'.padStart(8)} ${'x'.padStart(5)} ${'scan µs/pg'.padStart(10)} ${'x'.padStart(5)} ${'update µs/row'.padStart(14)} ${'x'.padStart(5)}`;
    lines.push(head, '-'.repeat(head.length));
    for (const d of r.db.results) {
      const cell = (k: (typeof DB_WORKLOADS)[number], w: number) => `${f2(d.figures[k]).padStart(w)} ${f2(d.ratios[k]).padStart(5)}`;
      lines.push(`${d.engine.padEnd(11)} ${cell('insertUsPerRow', 14)} ${cell('pointReadUs', 8)} ${cell('scanUsPerPage', 10)} ${cell('updateUsPerRow', 14)}`);
    }
    lines.push('x = time relative to plain better-sqlite3 (1.00 = no cost; differences under about 5% are noise).');
  }
  lines.push('', `Recommendation: ${r.recommendation.cipher}`);
  for (const s of r.recommendation.reasons) lines.push(`  - ${s}`);
  for (const w of r.recommendation.warnings) lines.push(`  ! ${w}`);
  return lines.join('\n');
}

// ---------- charts ----------

const SERIES = [
  { key: 'encrypt', label: 'encrypt', color: '#2e86c1' },
  { key: 'decrypt', label: 'decrypt', color: '#28b463' },
];

export function benchCharts(r: BenchResult): ChartSpec[] {
  const ps = r.options.pageSizes.at(-1)!;
  const used = r.ciphers.filter((f) => f.used && f.pageSize === ps);
  const charts: ChartSpec[] = [
    {
      title: `Cipher cost per ${ps}-byte page on this CPU (path the VFS uses)`,
      unit: 'µs per page (shorter is faster)',
      series: SERIES,
      groups: used.map((f) => ({ label: `${f.cipher} (${f.path})`, values: { encrypt: f.encryptUs, decrypt: f.decryptUs } })),
      baseline: { value: r.plainPageReadUs, label: `plain SQLite page read ${f2(r.plainPageReadUs)} µs` },
    },
  ];
  if (r.db) {
    charts.push({
      title: 'Database workload: time relative to plain better-sqlite3',
      unit: 'x plain better-sqlite3 (1.0 = no cost)',
      series: [
        { key: 'insert', label: 'insert', color: '#2e86c1' },
        { key: 'read', label: 'point read', color: '#28b463' },
        { key: 'scan', label: 'full scan', color: '#f39c12' },
        { key: 'update', label: 'update', color: '#8e44ad' },
      ],
      groups: r.db.results
        .filter((d) => d.engine !== 'plain')
        .map((d) => ({ label: d.engine, values: { insert: d.ratios.insertUsPerRow, read: d.ratios.pointReadUs, scan: d.ratios.scanUsPerPage, update: d.ratios.updateUsPerRow } })),
      baseline: { value: 1, label: 'plain better-sqlite3' },
    });
  }
  return charts;
}

export function benchSvg(r: BenchResult): string {
  return renderSvg(benchCharts(r), `${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, load ${r.machine.load.join(' ')}, ${r.machine.date}`);
}

// ---------- command line ----------

export const BENCH_HELP = `Usage: pageseal bench [--quick] [--db] [--page-size N] [--json] [--svg FILE]

Measures every cipher on every native CPU path here (and the portable path), encrypt and
decrypt, in µs per page, and recommends a cipher for this machine.
  --quick        fewer and shorter runs (under 15 s)
  --db           also a short database workload against plain better-sqlite3 (ratios)
  --page-size N  a page size to measure besides 4096 (512..65536, a power of two)
  --json         one JSON object on stdout instead of the table
  --svg FILE     write the charts (plain SVG) to FILE`;

export class BenchUsageError extends Error {}

export interface BenchArgs extends Omit<BenchOptions, 'progress'> {
  json: boolean;
  svg?: string;
  help: boolean;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = { quick: false, db: false, pageSize: 4096, json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new BenchUsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--quick') a.quick = true;
    else if (flag === '--db') a.db = true;
    else if (flag === '--json') a.json = true;
    else if (flag === '--help' || flag === '-h') a.help = true;
    else if (flag === '--svg') a.svg = value();
    else if (flag === '--page-size') {
      const v = value();
      const n = Number(v);
      if (!VALID_PAGE_SIZES.includes(n)) throw new BenchUsageError(`--page-size must be a power of two from 512 to 65536, got ${v}`);
      a.pageSize = n;
    } else throw new BenchUsageError(`bench: unknown option ${flag}`);
  }
  return a;
}

/** `pageseal bench ...`; returns the exit code. Throws BenchUsageError on bad arguments. */
export function benchMain(argv: string[], out: (s: string) => void, progressStream: NodeJS.WriteStream = process.stderr): number {
  const args = parseBenchArgs(argv);
  if (args.help) {
    out(BENCH_HELP);
    return 0;
  }
  if (args.svg) {
    try {
      writeFileSync(args.svg, ''); // fail now, not after the measurements, when the chart cannot be written
    } catch (e) {
      throw new BenchUsageError(`cannot write the chart to ${args.svg}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  const tty = progressStream.isTTY === true;
  const progress = tty ? (what: string) => progressStream.write(`\r\x1b[K${what}`) : undefined;
  let result: BenchResult;
  try {
    result = runBench({ quick: args.quick, db: args.db, pageSize: args.pageSize, progress });
  } finally {
    if (tty) progressStream.write('\r\x1b[K');
  }
  if (args.svg) writeFileSync(args.svg, benchSvg(result));
  out(args.json ? JSON.stringify(result, null, 2) : formatText(result));
  return 0;
}

export type { PathFigure, DbResult, Recommendation, MachineInfo, CipherName };
