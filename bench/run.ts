/** Runs every benchmark, or the ones named on the command line. */
const BENCHMARKS: Record<string, () => Promise<unknown>> = {
  api: async () => (await import('./api.js')).run(),
  realtime: async () => (await import('./realtime.js')).run(),
  classroom: async () => (await import('./classroom.js')).run(),
  broadcast: async () => (await import('./broadcast.js')).run(),
  interaction: async () => (await import('./interaction.js')).run(),
};

const names = process.argv.slice(2);
for (const name of names) if (!BENCHMARKS[name]) throw new Error(`Unknown benchmark "${name}". Known: ${Object.keys(BENCHMARKS).join(', ')}`);
for (const name of names.length ? names : Object.keys(BENCHMARKS)) {
  console.log(`\n== benchmark ${name}`);
  const result = await BENCHMARKS[name]!();
  console.log(JSON.stringify(result, null, 2));
}
export {};
