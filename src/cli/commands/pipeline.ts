/** `cefrlab pipeline`: the guide's whole run as a job graph, locally or on Slurm (src/pipeline). */
import type { Command } from 'commander';
import { Option } from 'commander';
import * as fs from 'node:fs';
import { UserError } from '../../runtime/errors';

/* eslint-disable @typescript-eslint/no-require-imports -- library code is loaded inside the actions (a fast --help), by require so it works from src/ (tsx) and from the compiled dist/ alike */

function positive(name: string) {
  return (value: string): number => {
    if (!/^\s*\d+\s*$/.test(value) || Number(value) < 1) throw new UserError(`${name} must be a whole number of at least 1, got "${value}". Fix: e.g. ${name} 2`);
    return Number(value);
  };
}

/** `commands`: the CLI's own commands (the program's), whose options the steps may set. */
function load(file: string, commands: readonly Command[]) {
  const { loadPipeline } = (require('../../pipeline/schema') as typeof import('../../pipeline/schema'));
  const { buildGraph } = (require('../../pipeline/graph') as typeof import('../../pipeline/graph'));
  return buildGraph(loadPipeline(file, commands));
}

function requireCsv(csv: string, file: string): void {
  if (!fs.existsSync(csv)) throw new UserError(`${csv}: the pipeline's csv does not exist. Fix: correct "csv:" in ${file} (paths are relative to the pipeline file)`);
}

export function registerPipeline(program: Command): void {
  const pipeline = program
    .command('pipeline')
    .description(
      'The whole run (prepare, examples, train, eval, compare, ilm-eval for every dataset) as a job graph from a pipeline file ' +
        '(YAML or JSON, docs/pipeline.md). Only jobs that are not up to date run, decided from the outputs\' manifests and ' +
        'input hashes, never from file times; locally N at a time, or on Slurm as job arrays with afterok dependencies.',
    );

  pipeline
    .command('init')
    .description('Write a pipeline file: the guide\'s full EFCAMDAT run (six datasets and models, GPT-2 settings of the guide, Slurm resources), or --preset tiny on the embedded data')
    .option('--csv <file>', 'the learner CSV (writing_id,l1,cefr_level,text), e.g. your EFCAMDAT export (--preset tiny: default the embedded data)')
    .option('--out <file>', 'pipeline file to write', 'pipeline.yaml')
    .option('--workdir <dir>', 'where the outputs go (default experiments/efcamdat, or experiments/pipeline-tiny)')
    .addOption(new Option('--preset <name>', 'guide: the guide\'s run; tiny: the same graph at toy size (minutes on a CPU)').choices(['guide', 'tiny']).default('guide'))
    .option('--partition <name>', 'Slurm partition for every job (slurm.defaults.partition)')
    .option('--account <name>', 'Slurm account for every job (slurm.defaults.account)')
    .option('--force', 'replace an existing file', false)
    .action(async (o: { csv?: string; out: string; workdir?: string; preset: 'guide' | 'tiny'; partition?: string; account?: string; force: boolean }) => {
      const { initPipeline } = (require('../../pipeline/init') as typeof import('../../pipeline/init'));
      const file = initPipeline(o, program.commands);
      process.stdout.write(`wrote ${file}\nnext: npx cefrlab pipeline plan ${o.out}\n`);
    });

  pipeline
    .command('plan')
    .argument('<PIPELINE>', 'pipeline file (YAML or JSON)')
    .description('Print the jobs, their dependencies and which are up to date (and why the others run), and what --executor slurm submits')
    .option('--commands', 'also print each job\'s cefrlab command line', false)
    .option('--json', 'print the plan as JSON', false)
    .action(async (file: string, o: { commands: boolean; json: boolean }) => {
      const g = load(file, program.commands);
      const { planGraph } = (require('../../pipeline/state') as typeof import('../../pipeline/state'));
      const { formatPlan } = (require('../../pipeline/plan') as typeof import('../../pipeline/plan'));
      const plans = await planGraph(g);
      if (o.json) {
        process.stdout.write(JSON.stringify(plans.map((p) => ({ job: p.job.id, state: p.state, reason: p.reason, deps: p.job.deps, argv: p.job.argv, resources: p.job.resources })), null, 2) + '\n');
      } else process.stdout.write(formatPlan(g, plans, { commands: o.commands }) + '\n');
    });

  pipeline
    .command('run')
    .argument('<PIPELINE>', 'pipeline file (YAML or JSON)')
    .description(
      'Run the jobs that are not up to date. local: N at a time on this machine; a failed job stops its dependants (named, with the ' +
        'failure) and the others go on; run again after a kill to resume. slurm: one sbatch per step (job arrays over datasets), ' +
        '--dependency=afterok, resources from the pipeline file, logs per job; returns after submitting unless --wait.',
    )
    .addOption(new Option('--executor <name>', 'where jobs run').choices(['local', 'slurm']).default('local'))
    .option('--jobs <n>', 'local: jobs at a time', positive('--jobs'), 1)
    .option('--dry-run', 'slurm: print the sbatch command lines without submitting', false)
    .option('--wait', 'slurm: wait until the submitted jobs finish, then print their states (exit 1 if any failed)', false)
    .action(async (file: string, o: { executor: 'local' | 'slurm'; jobs: number; dryRun: boolean; wait: boolean }) => {
      const g = load(file, program.commands);
      requireCsv(g.pipeline.csv, file);
      if (o.executor === 'local') {
        const { runLocal, formatLocalResult } = (require('../../pipeline/local') as typeof import('../../pipeline/local'));
        const r = await runLocal(g, { jobs: o.jobs });
        const text = formatLocalResult(r);
        if (r.failed.length) throw new UserError(text, 1);
        process.stdout.write(text + '\n');
        return;
      }
      const { submitSlurm, waitSlurm, formatStatus } = (require('../../pipeline/slurm') as typeof import('../../pipeline/slurm'));
      const r = await submitSlurm(g, { dryRun: o.dryRun });
      if (o.dryRun) {
        process.stdout.write(r.commands.length ? r.commands.join('\n') + '\n' : 'nothing to submit: every job is up to date\n');
        return;
      }
      if (!r.run) {
        process.stdout.write('nothing to submit: every job is up to date\n');
        return;
      }
      process.stdout.write(`run ${r.run.runId}: ${r.run.groups.map((x) => `${x.step}=${x.slurmJobId}`).join(' ')}\n`);
      if (o.wait) {
        const st = await waitSlurm(g);
        const text = formatStatus(st);
        if (st.jobs.some((j) => j.state !== 'COMPLETED')) throw new UserError(text, 1);
        process.stdout.write(text + '\n');
      }
    });

  pipeline
    .command('status')
    .argument('<PIPELINE>', 'pipeline file (YAML or JSON)')
    .description('States of the last Slurm run\'s jobs (sacct, or squeue and the jobs\' exit files where the cluster keeps no accounting)')
    .option('--json', 'print JSON', false)
    .action(async (file: string, o: { json: boolean }) => {
      const g = load(file, program.commands);
      const { slurmStatus, formatStatus } = (require('../../pipeline/slurm') as typeof import('../../pipeline/slurm'));
      const st = slurmStatus(g);
      process.stdout.write((o.json ? JSON.stringify(st, null, 2) : formatStatus(st)) + '\n');
    });

  pipeline
    .command('cancel')
    .argument('<PIPELINE>', 'pipeline file (YAML or JSON)')
    .description('Cancel the last Slurm run\'s jobs that are still queued or running (scancel)')
    .action(async (file: string) => {
      const g = load(file, program.commands);
      const { cancelSlurm } = (require('../../pipeline/slurm') as typeof import('../../pipeline/slurm'));
      const r = cancelSlurm(g);
      process.stdout.write(r.runId ? `run ${r.runId}: cancelled ${r.cancelled.length} jobs${r.cancelled.length ? `: ${r.cancelled.map((j) => j.job).join(', ')}` : ' (none was queued or running)'}\n` : 'no Slurm run recorded in this workdir\n');
    });

  pipeline
    .command('exec')
    .argument('<PIPELINE>', 'pipeline file (YAML or JSON)')
    .description('Run one job of the pipeline (what every Slurm task runs): its cefrlab command in the workdir, then its stamp and exit file')
    .requiredOption('--job <id>', 'job id as `pipeline plan` prints it, e.g. train.B1')
    .action(async (file: string, o: { job: string }) => {
      const g = load(file, program.commands);
      const job = g.byId.get(o.job);
      if (!job) throw new UserError(`${file}: no job "${o.job}". Fix: use an id that \`cefrlab pipeline plan ${file}\` prints`);
      const { execJob } = (require('../../pipeline/exec') as typeof import('../../pipeline/exec'));
      const r = await execJob(g, job);
      if (r.code !== 0) throw new UserError(`${job.id} failed: ${r.error} (log ${r.log} in ${g.pipeline.workdir})`, r.code && r.code > 0 ? r.code : 1);
      process.stdout.write(`${job.id}: done\n`);
    });
}
