/**
 * Across corpora: every direction between CEFR-ASAG, CEFR-SP and ELLIPSE with the shared-direction ordinal
 * model (src/classify/cross-corpus.ts), zero-shot and with 5, 10 and 25 labelled texts per level of the target,
 * today's `features → logistic` beside it, the feature ablation, the other feature sets, and the issue's targets
 * checked. The same computation as notebook 06's last section, under its default plan (CEFRLAB_FAST=1: the
 * fast one). Prints Markdown tables for BENCHMARKS.md; `--json FILE` also writes the numbers.
 *
 *   node --import tsx bench/classify/cross-corpus.ts [--json /tmp/cross-corpus.json]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { classifyNotebookPlan, holdoutRows } from '../../src/notebooks/06-cefr-classification';
import { loadCorpora } from '../../src/classify/corpora';
import { crossCorpusSection, targetChecks, crossCorpusStudyReading } from '../../src/classify/cross-corpus';

const f3 = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? '-' : x.toFixed(3));
const iv = (m: { value: number; ci90: [number, number] }) => `${f3(m.value)} [${f3(m.ci90[0])}, ${f3(m.ci90[1])}]`;

(async () => {
  const plan = classifyNotebookPlan();
  const corpora = loadCorpora(plan);
  const s = await crossCorpusSection(corpora, holdoutRows(corpora.asag, 0.2, 0), { fast: plan.fast, resamples: plan.resamples });
  const out: string[] = [];
  out.push(`plan: ${plan.fast ? 'fast' : 'default'}; ${s.study.corpora.map((c) => `${c.name} ${c.train} train / ${c.test} test`).join(', ')}; ${s.seconds.toFixed(0)} s; load ${os.loadavg()[0].toFixed(1)}`);
  out.push('', '| direction | kind | n | Spearman rho [90% CI] | accuracy k=0 [90% CI] | majority acc. | QWK k=0 [90% CI] | QWK k=5 | QWK k=10 | QWK k=25 |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const d of s.study.directions) {
    const k = (n: number) => {
      const p = d.shots.find((x) => x.k === n)?.qwk;
      return p ? `${f3(p.mean)} ± ${f3(p.sd)}` : '-';
    };
    out.push(`| ${d.sources.join(' + ')} → ${d.target} | ${d.kind} | ${d.n} | ${iv(d.spearman)} | ${d.report ? iv(d.report.accuracy) : 'other scale'} | ${d.majority ? f3(d.majority.accuracy) : '-'} | ${d.report ? iv(d.report.qwk) : 'other scale'} | ${k(5)} | ${k(10)} | ${k(25)} |`);
  }
  out.push('', '| today: features → logistic | n | accuracy [90% CI] | QWK [90% CI] |', '|---|---|---|---|');
  for (const b of s.study.baseline) out.push(`| ${b.source} → ${b.target} | ${b.report.n} | ${iv(b.report.accuracy)} | ${iv(b.report.qwk)} |`);
  out.push('', '| direction | features: rho | QWK k=0 | QWK k=10 | features:rates: rho | QWK k=0 | QWK k=10 | features:transfer: rho | QWK k=0 | QWK k=10 |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const dir of [...new Set(s.comparison.map((r) => r.direction))]) {
    const cells = ['features', 'features:rates', 'features:transfer'].map((e) => s.comparison.find((r) => r.direction === dir && r.encoder === e)).map((r) => `${f3(r?.spearman)} | ${f3(r?.qwk0)} | ${f3(r?.qwk10)}`);
    out.push(`| ${dir} | ${cells.join(' | ')} |`);
  }
  out.push('', '| left out | mean rho (6 one-corpus directions) | mean QWK CEFR → CEFR |', '|---|---|---|');
  for (const a of s.ablation) out.push(`| ${a.dropped} | ${f3(a.meanSpearman)} | ${f3(a.meanQwkCefr)} |`);
  out.push('', '| target | met | figures |', '|---|---|---|');
  for (const c of targetChecks(s.study)) out.push(`| ${c.target} | ${c.met ? 'yes' : '**no**'} | ${c.detail} |`);
  out.push('', crossCorpusStudyReading(s.study, s.ablation).split('\n').filter((l) => /^(Largest|Ablation)/.test(l)).join('\n\n'));
  console.log(out.join('\n'));
  const i = process.argv.indexOf('--json');
  if (i > 0) fs.writeFileSync(process.argv[i + 1], JSON.stringify({ study: s.study, ablation: s.ablation, comparison: s.comparison, seconds: s.seconds }, null, 1));
})();
