/** Process and machine readings from /proc (Linux). */
import { readFileSync, readdirSync } from 'node:fs';

/** Fields after "pid (comm) " of /proc/PID/stat, and the comm. */
function stat(pid: number): { comm: string; fields: string[] } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    return { comm: text.slice(open + 1, close), fields: text.slice(close + 2).split(' ') };
  } catch {
    return undefined;
  }
}

/** The pid of a live child of `parent` named `comm` (e.g. the `janus` Amphi started), if any. */
export function childPid(parent: number, comm: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    // fields[0] is the state, fields[1] the parent pid.
    if (s && s.comm === comm && Number(s.fields[1]) === parent && s.fields[0] !== 'Z') return pid;
  }
  return undefined;
}

/** Seconds since the process started. */
export function uptimeS(pid: number): number {
  const s = stat(pid);
  if (!s) return 0;
  const startTicks = Number(s.fields[19]);
  const systemUptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return systemUptime - startTicks / 100;
}

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
  return (user + nice + system + irq + softirq + steal) / 100;
}
