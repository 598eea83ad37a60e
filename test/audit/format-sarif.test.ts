import test from 'ava';
import { auditFindings } from '../../src/audit/index.js';
import { toSarif } from '../../src/audit/format-sarif.js';
import { buildReport } from '../../src/audit/report.js';
import { cleanFacts, OPTS } from './facts.js';

interface Sarif {
  version: string;
  $schema: string;
  runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: { ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[];
}

test('SARIF 2.1.0: one result per finding, each rule declared, file locations with lines', (t) => {
  const facts = cleanFacts({
    configFile: '/d/postgresql.conf',
    settings: { ...cleanFacts().settings, ssl: 'off' },
    hba: { path: '/d/pg_hba.conf', from: 'file', text: 'host all all 10.0.0.0/8 md5\nhost all all 192.168.0.0/16 md5\n' },
  });
  const report = buildReport(facts, auditFindings(facts, OPTS));
  const sarif = JSON.parse(JSON.stringify(toSarif(report, facts))) as Sarif;
  t.is(sarif.version, '2.1.0');
  t.regex(sarif.$schema, /sarif-2\.1\.0/);
  const [run] = sarif.runs;
  t.is(run!.results.length, report.findings.length);
  const ruleIds = run!.tool.driver.rules.map((r) => r.id);
  for (const r of run!.results) t.is(ruleIds[r.ruleIndex], r.ruleId);
  const md5 = run!.results.find((r) => r.ruleId === 'hba-md5-network')!;
  t.is(md5.level, 'warning');
  t.deepEqual(md5.locations.map((l) => [l.physicalLocation.artifactLocation.uri, l.physicalLocation.region.startLine]), [['file:///d/pg_hba.conf', 1], ['file:///d/pg_hba.conf', 2]]);
  const off = run!.results.find((r) => r.ruleId === 'ssl-off')!;
  t.is(off.level, 'error');
  t.is(off.locations[0]!.physicalLocation.artifactLocation.uri, 'file:///d/postgresql.conf');
});
