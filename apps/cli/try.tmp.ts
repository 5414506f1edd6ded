import { captureIo } from '/work/main/apps/cli/src/internal/capture.js';
import { runCli } from '/work/main/apps/cli/src/program.js';
const io = captureIo({ cwd: '/work/main', tty: true });
const code = await runCli(process.argv.slice(2), io);
console.log(code); console.log(io.out()); console.log(io.err());
