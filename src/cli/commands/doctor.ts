import { Command } from 'commander';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('report Node, package and TensorFlow.js versions, the backend in use and why each better one was not taken, the WebGPU adapter, GPU visibility, Jupyter and the kernel, and the embedded data')
    .option('--json', 'print the report as JSON', false)
    .action(async (opts: { json: boolean }) => {
      const { doctor, formatDoctor } = await import('../../runtime/doctor');
      const report = await doctor(process.env);
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatDoctor(report)) + '\n');
    });
}
