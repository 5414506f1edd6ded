// The kvgw binary: runs the command line with the process's terminal; SIGINT/SIGTERM abort long-running commands
// (local-cluster, demo), which then stop cleanly and exit 0. A second signal exits at once.
import { processIo, runCli } from './index.js';

const stop = new AbortController();
let signals = 0;
const onSignal = (signal: NodeJS.Signals): void => {
  signals += 1;
  if (signals > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
  stop.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

process.exitCode = await runCli(process.argv.slice(2), processIo(stop.signal));
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
