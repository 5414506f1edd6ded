import { captureIo } from '/work/main/apps/cli/src/internal/capture.js';
import { fixtureCluster } from '/work/main/apps/cli/src/internal/fixtures.js';
import { runCli } from '/work/main/apps/cli/src/program.js';
const io = captureIo({ cwd: '/work/main' });
const cluster = await fixtureCluster();
const code = await runCli(process.argv.slice(2), io, { connect: async () => cluster });
console.log(code); console.log(io.out()); console.log(io.err());
