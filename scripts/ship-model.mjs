#!/usr/bin/env node
// Adds (or replaces) a trained model in assets/models/: copies the weights as vqcae-NAME.nzw and
// records its SHA-256 in manifest.json. usage: node scripts/ship-model.mjs NAME weights.nzw
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
const [name, file] = process.argv.slice(2);
if (!name || !file) throw new Error('usage: ship-model.mjs NAME weights.nzw');
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'models');
const target = `vqcae-${name}.nzw`;
copyFileSync(file, join(dir, target));
const mp = join(dir, 'manifest.json');
const m = existsSync(mp) ? JSON.parse(readFileSync(mp, 'utf8')) : { models: {} };
m.models[name] = { file: target, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
m.models = Object.fromEntries(Object.entries(m.models).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(mp, JSON.stringify(m, null, 2) + '\n');
console.log(name, m.models[name].sha256);
