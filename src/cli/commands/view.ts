import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { InvalidArgumentError } from 'commander';
import { startViewer } from '../../viewer/server.js';

function parsePort(text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 0 || v > 65535) throw new InvalidArgumentError(`port must be an integer from 0 to 65535, got '${text}'`);
  return v;
}

/** Opens the URL in the desktop's browser; a machine without one gets a note, not an error. */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`neurozip view: could not start '${cmd}' to open a browser; open ${url} yourself\n`));
  child.unref();
}

export function register(program: Command): void {
  program
    .command('view')
    .description('browse a recording in the web page: heatmap, codec preview, traces, 3-D slices (local server on 127.0.0.1)')
    .argument('<file>', '.nzp, WAV, SpikeGLX .bin, .npy (2-D series or 3-D volume), mtscomp .cbin, Open Ephys folder')
    .option('--port <n>', 'port on 127.0.0.1 (0: any free port)', parsePort, 8765)
    .option('--open', 'open the page in the default browser')
    .action(async (file: string, o: { port: number; open?: boolean }) => {
      const v = await startViewer(file, { port: o.port });
      const i = v.data.info;
      const what = i.kind === 'series' ? `${i.nSamples} samples x ${i.nChannels} channels, ${i.dtype}` : `volume ${i.shape.join(' x ')}, ${i.dtype}`;
      process.stdout.write(`neurozip view: ${file} (${i.format}, ${what})\n${v.url}\n(Ctrl-C to stop)\n`);
      if (o.open) openBrowser(v.url);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void v.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
