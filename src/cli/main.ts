#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import '../codecs/builtin.js';
import { VERSION } from '../version.js';
import { globals, report } from './run.js';
import { register as cat } from './commands/cat.js';
import { register as codecs } from './commands/codecs.js';
import { register as compress } from './commands/compress.js';
import { register as convert } from './commands/convert.js';
import { register as decompress } from './commands/decompress.js';
import { register as demo } from './commands/demo.js';
import { register as info } from './commands/info.js';
import { register as verify } from './commands/verify.js';
import { register as bench } from './commands/bench.js';
import { register as stats } from './commands/stats.js';
import { register as spikes } from './commands/spikes.js';
import { register as view } from './commands/view.js';
import { register as vdf } from './commands/vdf.js';
import { register as train } from './commands/train.js';

// A reader that closes the pipe early (`| head`) is not an error: stop quietly, like cat does.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const program = new Command('neurozip')
  .description('compression for neural recordings and other scientific arrays')
  .version(VERSION)
  .option('--debug', 'show stack traces on errors')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .hook('preAction', (cmd) => {
    globals.debug = Boolean(cmd.opts().debug);
  });

for (const register of [compress, decompress, info, verify, cat, convert, codecs, demo, bench, stats, spikes, view, vdf, train]) register(program);
for (const cmd of program.commands) cmd.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // help and version exit 0; every other parse problem is a usage error
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    process.exitCode = report(e);
  }
}
