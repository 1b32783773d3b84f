/**
 * A throw-away single-node Slurm cluster for tests: munged, slurmctld and slurmd on localhost, configured in a
 * temporary directory (slurm.conf, munge key and socket, state, spool, logs, pid files), on free ports. Needs
 * root and Debian's slurm-wlm and munge. `stop()` ends exactly the daemons it started, by their pid files.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const BINARIES = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'sinfo'];

function which(bin: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin'])) {
    const f = path.join(dir, bin);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      /* next */
    }
  }
  return null;
}

/** Why the Slurm test cannot run here, or null when it can. */
export function slurmSkipReason(): string | null {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root to start munged, slurmctld and slurmd (CI runs the tests as root)';
  const missing = BINARIES.filter((b) => !which(b));
  if (missing.length) return `Slurm or munge is not installed (missing ${missing.join(', ')}; apt-get install slurm-wlm munge)`;
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Cluster {
  dir: string;
  conf: string;
  /** Environment for Slurm clients (SLURM_CONF). */
  env: NodeJS.ProcessEnv;
  /** The pids it started (read from the pid files). */
  pids(): Record<string, number | null>;
  stop(): Promise<void>;
}

function readPid(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 1 ? n : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

export async function startCluster(): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-slurm-'));
  fs.chmodSync(dir, 0o755);
  const p = (name: string) => path.join(dir, name);
  for (const d of ['munge', 'state', 'spool']) fs.mkdirSync(p(d), { mode: 0o755 });
  const key = p('munge.key');
  fs.writeFileSync(key, crypto.randomBytes(1024), { mode: 0o400 });
  const socket = p('munge/munge.socket');
  const pidFiles = { munged: p('munged.pid'), slurmctld: p('slurmctld.pid'), slurmd: p('slurmd.pid') };
  const [ctlPort, dPort] = [await freePort(), await freePort()];
  const conf = p('slurm.conf');
  fs.writeFileSync(
    conf,
    [
      'ClusterName=cefrlabtest',
      'SlurmctldHost=localhost',
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      `StateSaveLocation=${p('state')}`,
      `SlurmdSpoolDir=${p('spool')}`,
      `SlurmctldPidFile=${pidFiles.slurmctld}`,
      `SlurmdPidFile=${pidFiles.slurmd}`,
      `SlurmctldLogFile=${p('slurmctld.log')}`,
      `SlurmdLogFile=${p('slurmd.log')}`,
      `SlurmctldPort=${ctlPort}`,
      `SlurmdPort=${dPort}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SwitchType=switch/none',
      'MpiDefault=none',
      'SchedulerType=sched/backfill',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      // no accounting database: sacct is unavailable, the pipeline falls back to squeue and exit files
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      'ReturnToService=2',
      'MinJobAge=600',
      'SlurmdParameters=config_overrides',
      'NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 RealMemory=4000 State=UNKNOWN',
      'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const cluster: Cluster = {
    dir,
    conf,
    env,
    pids: () => Object.fromEntries(Object.entries(pidFiles).map(([k, f]) => [k, readPid(f)])),
    stop: async () => {
      // slurmd first (it runs the jobs), then the controller, then munge: only the pids in our pid files
      for (const name of ['slurmd', 'slurmctld', 'munged'] as const) {
        const pid = readPid(pidFiles[name]);
        if (pid === null || !alive(pid)) continue;
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
    },
  };
  const start = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} did not start (exit ${r.status}): ${r.stderr || r.stdout}`);
  };
  try {
    start('munged', ['--force', `--socket=${socket}`, `--key-file=${key}`, `--log-file=${p('munged.log')}`, `--pid-file=${pidFiles.munged}`, `--seed-file=${p('munged.seed')}`]);
    start('slurmctld', ['-f', conf, '-i']);
    start('slurmd', ['-f', conf, '-N', 'localhost']);
    for (let i = 0; i < 100; i++) {
      const r = spawnSync('sinfo', ['-h', '-o', '%t'], { env, encoding: 'utf8' });
      if (r.status === 0 && /^idle/m.test(r.stdout)) return cluster;
      await sleep(200);
    }
    const log = (f: string) => (fs.existsSync(p(f)) ? fs.readFileSync(p(f), 'utf8').split('\n').slice(-8).join('\n') : '(no log)');
    throw new Error(`the test cluster did not become idle in 20 s.\nslurmctld.log:\n${log('slurmctld.log')}\nslurmd.log:\n${log('slurmd.log')}`);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}
