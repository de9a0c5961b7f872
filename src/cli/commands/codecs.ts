import type { Command } from 'commander';
import { getCodecFactory, registeredCodecIds } from '../../codecs/registry.js';
import { table } from '../util.js';

export function register(program: Command): void {
  program
    .command('codecs')
    .description('list the registered codecs')
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      const rows = [];
      for (const id of registeredCodecIds()) {
        const f = await getCodecFactory(id);
        rows.push({ id, kind: f.kind, description: f.description });
      }
      if (o.json) process.stdout.write(JSON.stringify(rows) + '\n');
      else process.stdout.write(table(rows.map((r) => [r.id, r.kind, r.description]), ['id', 'kind', 'description']) + '\n');
    });
}
