/**
 * How parse + insertRules + rewriteMd5ToScram + serialize grow with the
 * size of pg_hba.conf. Prints (and returns) a short report: the best and the
 * median time for 1,000, 10,000 and 100,000 records, each next to a baseline
 * measured in the same run on the same text (text.split('\n')), and the
 * growth ratios of the best times (the median moves with the machine's
 * load, which the report shows). Linear work grows about 10x per 10x
 * records. No assertions on time.
 *
 *   node --import=tsx test/bench/hba.bench.ts
 */
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { insertRules, parseHba, rewriteMd5ToScram, serializeHba, type HbaRule } from '../../src/pg/hba.js';

const SIZES = [1_000, 10_000, 100_000] as const;

/** A pg_hba.conf with `records` records in the shapes real files have. */
export function generateHba(records: number): string {
  const out = ['# PostgreSQL Client Authentication Configuration File', '#', '# TYPE  DATABASE        USER            ADDRESS                 METHOD', '', 'local   all             postgres                                peer'];
  for (let i = 1; i < records; i++) {
    const a = (i >> 8) & 255;
    const b = i & 255;
    if (i % 10 === 0) out.push(`# team ${i / 10}`);
    switch (i % 6) {
      case 0:
        out.push(`host    db${i % 97}             user${i}          10.${a}.${b}.0/24             md5`);
        break;
      case 1:
        out.push(`hostssl all             +group${i % 13}        192.168.${b}.0 255.255.255.0  scram-sha-256 clientcert=verify-full`);
        break;
      case 2:
        out.push(`host    "app db ${i}"     "role ${i}"      2001:db8:${a.toString(16)}:${b.toString(16)}::/64   md5   # legacy`);
        break;
      case 3:
        out.push(`hostnossl all           all             10.${a}.${b}.0/24             reject`);
        break;
      case 4:
        out.push(`local   db${i}            all                                     peer`);
        break;
      default:
        out.push(`host    replication     repl${i}         host${i}.example.com     md5`);
    }
  }
  return `${out.join('\n')}\n`;
}

const BLOCK: HbaRule[] = [
  { type: 'hostnossl', databases: ['all'], users: ['all'], address: 'all', method: 'reject', options: [] },
  { type: 'hostssl', databases: ['all'], users: ['all'], address: '0.0.0.0/0', method: 'scram-sha-256', options: [['clientcert', 'verify-full']] },
];

function pipeline(text: string): string {
  return serializeHba(rewriteMd5ToScram(insertRules(parseHba(text), BLOCK)));
}

/**
 * Best and median wall-clock time of `runs` calls, and the best CPU time
 * (this process, GC threads included), in ms. On a busy machine the wall
 * clock waits for a core; the CPU time does not.
 */
function time(f: () => unknown, runs: number): { best: number; median: number; cpu: number } {
  const times: number[] = [];
  let cpu = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const used = process.cpuUsage();
    f();
    const { user, system } = process.cpuUsage(used);
    times.push(performance.now() - start);
    cpu = Math.min(cpu, (user + system) / 1000);
  }
  times.sort((x, y) => x - y);
  return { best: times[0]!, median: times[Math.floor(times.length / 2)]!, cpu };
}

/** Run the benchmark and return its report. */
export async function benchHba(): Promise<string> {
  const texts = SIZES.map(generateHba);
  // Warm up the JIT on a mid-sized file before measuring.
  for (let i = 0; i < 5; i++) pipeline(texts[1]!);
  const rows = SIZES.map((records, i) => {
    const text = texts[i]!;
    const runs = records >= 100_000 ? 7 : 21;
    return { records, bytes: text.length, run: time(() => pipeline(text), runs), baseline: time(() => text.split('\n'), runs) };
  });
  const fmt = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));
  const lines = [
    `pg_hba.conf parse + insertRules + rewriteMd5ToScram + serialize: best (median) wall ms, best CPU ms; load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`,
  ];
  rows.forEach((row, i) => {
    const prev = rows[i - 1];
    const growth = prev ? `, growth x${(row.run.best / prev.run.best).toFixed(1)} (split x${(row.baseline.best / prev.baseline.best).toFixed(1)}) for x${row.records / prev.records} records` : '';
    lines.push(
      `${String(row.records).padStart(7)} records ${String(Math.round(row.bytes / 1024)).padStart(5)} KiB: ${fmt(row.run.best).padStart(6)} (${fmt(row.run.median)}) ms, cpu ${fmt(row.run.cpu)} ms; split('\\n') ${fmt(row.baseline.best)} ms, ratio ${(row.run.best / row.baseline.best).toFixed(0)}${growth}`,
    );
  });
  const tenK = rows.find((r) => r.records === 10_000)!;
  lines.push(`10,000 records: ${fmt(tenK.run.best)} ms best, ${fmt(tenK.run.median)} ms median, ${fmt(tenK.run.cpu)} ms CPU (target <= 50 ms)`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await benchHba());
}
