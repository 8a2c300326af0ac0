/** What a benchmark ran on: CPU model and the flags that pick a cipher path, core count, load, Node, date. */
import { readFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  /** The CPU flags that decide the native paths (x86: aes, pclmulqdq, avx2, vaes, vpclmulqdq, avx512*). */
  cpuFlags: string[];
  platform: string;
  memoryGb: number;
  node: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  load: number[];
  date: string;
}

const RELEVANT = /^(aes|pclmulqdq|ssse3|sse4_1|avx2|vaes|vpclmulqdq|avx512f|avx512bw|avx512vl|asimd|pmull|sha3)$/;

function cpuFlags(): string[] {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const line = info.split('\n').find((l) => /^(flags|Features)\s*:/.test(l));
    if (!line) return [];
    return [...new Set(line.split(':')[1]!.trim().split(/\s+/).filter((f) => RELEVANT.test(f)))].sort();
  } catch {
    return [];
  }
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    cpuFlags: cpuFlags(),
    platform: `${platform()} ${release()} ${arch()}`,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    load: loadavg().map((x) => Math.round(x * 100) / 100),
    date: new Date().toISOString(),
  };
}
