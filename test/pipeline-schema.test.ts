/** Pipeline files: the guide's run from `init`, its job graph and Slurm submissions, and validation messages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initPipeline, guidePipelineText } from '../src/pipeline/init';
import { buildProgram } from '../src/cli/main';
import { loadPipeline, parsePipeline } from '../src/pipeline/schema';
import { buildGraph, optionArgs } from '../src/pipeline/graph';
import { arraySpec, submitSlurm } from '../src/pipeline/slurm';
import { compactIds, formatPlan } from '../src/pipeline/plan';
import { planGraph } from '../src/pipeline/state';
import { UserError } from '../src/runtime/errors';

/** The CLI's commands: the registry the pipeline checks step options against. */
const COMMANDS = buildProgram().commands;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-pipeline-schema-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function problems(text: string, file = 'p.yaml'): string {
  try {
    parsePipeline(text, path.join(tmp, file), COMMANDS);
  } catch (err) {
    assert.ok(err instanceof UserError, String(err));
    return (err as Error).message;
  }
  assert.fail('expected a UserError');
}

const MINIMAL = `version: 1
csv: data.csv
levels: [B1]
steps:
  prepare: {}
  examples: {}
  train:
    options: { model: tiny, max-steps: 2 }
`;

test('init writes the guide\'s run: six datasets, eight example sets each, six models with the guide\'s settings', () => {
  const file = initPipeline({ csv: path.join(tmp, 'EFCAMDAT.csv'), out: path.join(tmp, 'efcamdat.yaml'), workdir: path.join(tmp, 'run'), partition: 'gpu', account: 'acct' }, COMMANDS);
  const g = buildGraph(loadPipeline(file, COMMANDS));
  const p = g.pipeline;
  assert.equal(p.csv, path.join(tmp, 'EFCAMDAT.csv'));
  assert.deepEqual(p.datasets, ['all', 'A1', 'A2', 'B1', 'B2', 'C1']);
  const count = (step: string) => g.jobs.filter((j) => j.step === step).length;
  assert.deepEqual([count('prepare'), count('examples'), count('train'), count('eval'), count('compare'), count('ilm-eval')], [6, 48, 6, 6, 1, 1]);
  assert.deepEqual(g.byId.get('prepare.C1')!.argv, ['prepare', '--csv', p.csv, '--out', 'data/C1', '--cefr-level', 'C1', '--seed', '0']);
  assert.deepEqual(g.byId.get('prepare.all')!.argv, ['prepare', '--csv', p.csv, '--out', 'data/all', '--seed', '0']);
  assert.deepEqual(g.byId.get('examples.B2.test-sentence')!.argv, ['examples', 'test', 'data/B2', 'examples/B2', '--name', 'test-sentence', '--mask', 'sentence', '--seed', '0']);
  const c1 = g.byId.get('train.C1')!;
  assert.deepEqual(c1.argv, ['train', 'models/C1', 'examples/C1', ...optionArgs({ model: 'gpt2', seed: 0, 'train-tag': 'train', 'eval-tag': 'valid', 'eval-max-examples': 500, 'batch-size': 8, epochs: 1, 'max-steps': 10000 })]);
  assert.deepEqual(c1.deps, ['examples.C1.train', 'examples.C1.valid']);
  assert.ok(g.byId.get('train.all')!.argv.join(' ').includes('--max-steps 60000'));
  assert.ok(g.byId.get('train.A1')!.argv.join(' ').includes('--max-steps 50000'));
  assert.deepEqual(c1.resources, { partition: 'gpu', account: 'acct', cpus: 4, mem: '32G', time: '20:00:00', gpus: 1, sbatch: [] });
  // eval reads the model and every test set of its level (hierarchical and the five single-type ones)
  assert.deepEqual(g.byId.get('eval.B1')!.deps, ['train.B1', ...['test', 'test-document', 'test-paragraph', 'test-sentence', 'test-ngram', 'test-word'].map((s) => `examples.B1.${s}`)]);
  assert.deepEqual(g.byId.get('eval.B1')!.argv, ['eval', 'models/B1', 'examples/B1', '--out', 'results/eval/B1.json', '--max-examples', '1000', '--seed', '0', '--tag', 'test']);
  const cmp = g.byId.get('compare')!;
  assert.equal(cmp.argv.join(' '), 'compare --models models/all models/A1 models/A2 models/B1 models/B2 models/C1 --tests examples/all examples/A1 examples/A2 examples/B1 examples/B2 examples/C1 --out results/compare.json --max-examples 1000 --seed 0 --tag test');
  assert.equal(g.byId.get('ilm-eval')!.argv.join(' '), 'ilm-eval --input data/all --split test --models ilm:models/all ilm:models/A1 ilm:models/A2 ilm:models/B1 ilm:models/B2 ilm:models/C1 --output results/ilm-eval.json --limit 1000 --masking human-tokens --max-chars 500 --n-masks 1 --samples-per-text 5 --seed 42');
  // jobs come after their dependencies
  const seen = new Set<string>();
  for (const j of g.jobs) {
    for (const d of j.deps) assert.ok(seen.has(d), `${j.id} before ${d}`);
    seen.add(j.id);
  }
  assert.throws(() => initPipeline({ csv: 'x.csv', out: file }, COMMANDS), /exists\. Fix: choose another --out, or add --force/);
});

test('the guide\'s run on Slurm: job arrays per step, afterok dependencies, resources from the file', async () => {
  const file = path.join(tmp, 'efcamdat.yaml');
  if (!fs.existsSync(file)) initPipeline({ csv: path.join(tmp, 'EFCAMDAT.csv'), out: file, workdir: path.join(tmp, 'run'), partition: 'gpu', account: 'acct' }, COMMANDS);
  const g = buildGraph(loadPipeline(file, COMMANDS));
  const r = await submitSlurm(g, { dryRun: true, log: () => {} });
  assert.equal(r.run, null);
  assert.equal(r.commands.length, 6);
  const [prep, ex, train, ev, cmp, ilm] = r.commands;
  assert.match(prep, /--array=0-5 /);
  assert.doesNotMatch(prep, /--dependency/);
  assert.match(ex, /--array=0-47 '--dependency=afterok:<prepare>' --kill-on-invalid-dep=yes/);
  assert.match(train, /--job-name=efcamdat-train .*--array=0-5 '--dependency=afterok:<examples>' --kill-on-invalid-dep=yes --partition=gpu --account=acct --gres=gpu:1 --cpus-per-task=4 --mem=32G --time=20:00:00 /);
  assert.match(ev, /--array=0-5 '--dependency=afterok:<train>:<examples>'.* --gres=gpu:1 /);
  assert.doesNotMatch(cmp, /--array/);
  assert.match(cmp, /--time=06:00:00/);
  assert.match(ilm, /'--dependency=afterok:<prepare>:<train>'/);
  assert.match(train, /--output=\S+\/\.pipeline\/slurm\/runs\/[^/]+\/train-%A_%a\.log/);
  assert.equal(arraySpec([5, 0, 1, 2, 7, 8]), '0-2,5,7-8');
});

test('plan of the guide\'s run before anything ran: every job runs, with its dependencies', async () => {
  const file = path.join(tmp, 'efcamdat.yaml');
  if (!fs.existsSync(file)) initPipeline({ csv: path.join(tmp, 'EFCAMDAT.csv'), out: file, workdir: path.join(tmp, 'run') }, COMMANDS);
  const g = buildGraph(loadPipeline(file, COMMANDS));
  const plans = await planGraph(g);
  assert.equal(plans.filter((p) => p.state === 'run').length, 6); // the prepares; the rest runs after them
  assert.ok(plans.filter((p) => p.job.step !== 'prepare').every((p) => p.state === 'after'));
  const text = formatPlan(g, plans, { cwd: tmp });
  assert.match(text, /^pipeline efcamdat\.yaml: 68 jobs, 0 up to date, 68 to run/);
  assert.match(text, /\ncompare +train\.\{all,A1,A2,B1,B2,C1\} examples\.\{all,A1,A2,B1,B2,C1\}\.test +runs/);
  assert.match(text, /\n {2}train +array of 6 +afterok:examples +(--partition=gpu --account=acct )?--gres=gpu:1 --cpus-per-task=4 --mem=32G --time=20:00:00/);
  assert.equal(compactIds(['train.B1', 'examples.B1.test', 'examples.B1.test-word'], ['B1']), 'train.B1 examples.B1.{test,test-word}');
});

test('validation: problems name the file, the line, the path and the fix, all at once', () => {
  const text = MINIMAL.replace('{ model: tiny, max-steps: 2 }', '{ model: tiny, max-steps: 2, batch-siz: 8 }') + '    resources: { time: 1.5, gpus: one }\nextra: 1\n';
  const msg = problems(text);
  assert.match(msg, /^4 problems in the pipeline file:\n {2}\S+p\.yaml:8: /);
  assert.match(msg, /p\.yaml:8: steps\.train\.options\.batch-siz: `cefrlab train` has no option --batch-siz\. Fix: did you mean "batch-size"\?/);
  assert.match(msg, /p\.yaml:9: steps\.train\.resources\.time: must be a Slurm time limit \(minutes, HH:MM:SS or D-HH:MM:SS\), got 1\.5\. Fix: write e\.g\. time: "12:00:00"/);
  assert.match(msg, /p\.yaml:9: steps\.train\.resources\.gpus: must be a whole number, got "one"/);
  assert.match(msg, /p\.yaml:10: extra: unknown key "extra"\. Fix: remove it; allowed here: version, csv/);
});

test('validation: option values go through the command\'s own checks; pipeline-owned options are refused', () => {
  assert.match(problems(MINIMAL.replace('max-steps: 2', 'max-steps: 0')), /p\.yaml:8: steps\.train\.options\.max-steps: --max-steps must be a whole number of 1 or more, got "0"\. Fix: give --max-steps a whole number of 1 or more/);
  assert.match(problems(MINIMAL.replace('examples: {}', 'examples: { options: { mask: words } }')), /p\.yaml:6: steps\.examples\.options\.mask: --mask must be one of hierarchical, document, paragraph, sentence, ngram, word, initial-word, random-words, got "words"/);
  assert.match(problems(MINIMAL.replace('prepare: {}', 'prepare: { options: { out: x } }')), /p\.yaml:5: steps\.prepare\.options\.out: --out is set by the pipeline itself\. Fix: remove it/);
  assert.match(problems(MINIMAL.replace('levels: [B1]', 'levels: [B1, Z9]')), /p\.yaml:3: levels\[1\]: "Z9" is not a CEFR level/);
  assert.match(problems(MINIMAL.replace('version: 1', 'version: 2')), /p\.yaml:1: version: version must be 1, got 2\. Fix: write version: 1/);
  assert.match(problems(MINIMAL.replace('  train:\n    options: { model: tiny, max-steps: 2 }\n', '')), /steps\.train: the train step is required/);
  assert.match(problems(MINIMAL + '    datasets: { C1: { max-steps: 3 } }\n'), /p\.yaml:9: steps\.train\.datasets\.C1: "C1" is not a dataset of this pipeline\. Fix: use one of all, B1/);
  assert.match(problems(MINIMAL.replace('examples: {}', 'examples: { sets: { train: { split: train } } }')), /the train step reads the example set "valid", which is not built/);
  assert.match(problems(MINIMAL.replace('max-steps: 2', 'minimal-supervision: 3')), /--minimal-supervision is a flag, got 3\. Fix: write minimal-supervision: true/);
  // flags and negations
  const g = buildGraph(parsePipeline(MINIMAL.replace('max-steps: 2', 'max-steps: 2, eval: false, minimal-supervision: true'), path.join(tmp, 'p.yaml'), COMMANDS));
  assert.deepEqual(g.byId.get('train.B1')!.argv.slice(3), ['--max-steps', '2', '--minimal-supervision', '--model', 'tiny', '--no-eval']);
  assert.deepEqual(g.byId.get('train.B1')!.deps, ['examples.B1.train']);
});

test('validation: YAML and JSON syntax errors name the line', () => {
  assert.match(problems('version: 1\nsteps:\n  prepare: {\n  train: x\n'), /^\S*p\.yaml:\d: not valid YAML\/JSON: /);
  const json = JSON.stringify({ version: 1, csv: 'a.csv', levels: ['B1'], steps: { prepare: {}, examples: {}, train: { options: { model: 'tiny', seed: 'x' } } } }, null, 2);
  assert.match(problems(json, 'p.json'), /p\.json:13: steps\.train\.options\.seed: --seed must be a whole number of 0 or more, got "x"/);
  assert.match(problems('{"version": 1, "csv": "a.csv",, }', 'p.json'), /p\.json:1: not valid YAML\/JSON/);
});

test('the guide text parses and every step option is one its command documents', () => {
  const p = parsePipeline(guidePipelineText({ csv: 'EFCAMDAT.csv', workdir: 'run' }), path.join(tmp, 'g.yaml'), COMMANDS);
  assert.equal(p.workdir, path.join(tmp, 'run'));
  assert.equal(p.steps.train.datasets.C1['max-steps'], 10000);
});
