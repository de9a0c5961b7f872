import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compressFile, decompressFile } from '../../src/api/compress.js';
import { isNeurozipError } from '../../src/core/errors.js';
import { openSource } from '../../src/formats/index.js';
import { npyHeader } from '../../src/formats/npy.js';
import { decodeSamples, encodeSamples } from '../../src/formats/source.js';
import { NO_DATA, sharedPath, tempDir } from '../kit/paths.js';

const { dir, cleanup } = tempDir();
after(cleanup);

function chunk(id: string, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'ascii');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function fmt(tag: number, ch: number, rate: number, bits: number, extensible = false): Buffer {
  const b = Buffer.alloc(extensible ? 40 : 16);
  b.writeUInt16LE(extensible ? 0xfffe : tag, 0);
  b.writeUInt16LE(ch, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE((rate * ch * bits) / 8, 8);
  b.writeUInt16LE((ch * bits) / 8, 12);
  b.writeUInt16LE(bits, 14);
  if (extensible) {
    b.writeUInt16LE(22, 16);
    b.writeUInt16LE(bits, 18);
    b.writeUInt16LE(tag, 24);
  }
  return b;
}

function wav(chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE'), ...chunks]);
  const h = Buffer.alloc(8);
  h.write('RIFF');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body]);
}

const noise = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7919 + (i >> 3) * 31) & 255));

async function roundTrip(name: string, bytes: Buffer, expect: { dtype: string; nChannels: number; nSamples: number }) {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  const info = openSource(p).info;
  assert.deepEqual({ dtype: info.dtype, nChannels: info.nChannels, nSamples: info.nSamples }, expect, name);
  await compressFile(p, p + '.nzp');
  await decompressFile(p + '.nzp', p + '.back');
  assert.deepEqual(readFileSync(p + '.back'), bytes, `${name}: restored byte for byte`);
}

describe('WAV', () => {
  test('PCM 8/16/24/32-bit and float, many channels, byte-exact', async () => {
    await roundTrip('u8.wav', wav([chunk('fmt ', fmt(1, 2, 8000, 8)), chunk('data', noise(1000))]), { dtype: 'uint8', nChannels: 2, nSamples: 500 });
    await roundTrip('i16x3.wav', wav([chunk('fmt ', fmt(1, 3, 30000, 16)), chunk('data', noise(6 * 777))]), { dtype: 'int16', nChannels: 3, nSamples: 777 });
    await roundTrip('i24.wav', wav([chunk('fmt ', fmt(1, 2, 48000, 24)), chunk('data', noise(6 * 501))]), { dtype: 'int32', nChannels: 2, nSamples: 501 });
    await roundTrip('i32.wav', wav([chunk('fmt ', fmt(1, 1, 1000, 32)), chunk('data', noise(4 * 99))]), { dtype: 'int32', nChannels: 1, nSamples: 99 });
    const f = new Float32Array(300).map((_, i) => Math.sin(i) * 0.5);
    await roundTrip('f32.wav', wav([chunk('fmt ', fmt(3, 1, 1000, 32)), chunk('data', Buffer.from(f.buffer))]), { dtype: 'float32', nChannels: 1, nSamples: 300 });
    await roundTrip('ext.wav', wav([chunk('fmt ', fmt(1, 4, 20000, 16, true)), chunk('data', noise(8 * 100))]), { dtype: 'int16', nChannels: 4, nSamples: 100 });
  });

  test('chunks before and after data, pad bytes and a ragged tail are kept', async () => {
    await roundTrip('extra.wav', wav([chunk('fmt ', fmt(1, 2, 1000, 16)), chunk('LIST', noise(33)), chunk('data', noise(4 * 50 + 3)), chunk('cue ', noise(24))]), {
      dtype: 'int16',
      nChannels: 2,
      nSamples: 50,
    });
  });

  test('24-bit sample conversion is exact both ways', () => {
    const raw = new Uint8Array([0x01, 0x02, 0x03, 0xff, 0xff, 0xff, 0x00, 0x00, 0x80, 0xff, 0xff, 0x7f]);
    for (const bigEndian of [false, true]) {
      const a = decodeSamples(raw, 'int32', { bytesPerSample: 3, bigEndian });
      assert.deepEqual(encodeSamples(a, { bytesPerSample: 3, bigEndian }), raw);
    }
    assert.deepEqual([...decodeSamples(raw, 'int32', { bytesPerSample: 3, bigEndian: false })], [0x030201, -1, -8388608, 8388607]);
  });

  test('bad WAVs give one clear error', () => {
    const p = join(dir, 'bad.wav');
    writeFileSync(p, wav([chunk('fmt ', fmt(1, 1, 1000, 16))]));
    assert.throws(() => openSource(p), (e) => isNeurozipError(e, 'UnsupportedFormat') && /no 'data' chunk/.test(e.message));
    writeFileSync(p, wav([chunk('fmt ', fmt(2, 1, 1000, 4)), chunk('data', noise(10))]));
    assert.throws(() => openSource(p), /format tag 2/);
  });
});

describe('npy', () => {
  test('C-order arrays of every dtype round-trip; Fortran order is refused', async () => {
    const a = new Int16Array(1000 * 3).map((_, i) => (i * 37) % 2000 - 1000);
    await roundTrip('a.npy', Buffer.concat([npyHeader('int16', [1000, 3]), Buffer.from(a.buffer)]), { dtype: 'int16', nChannels: 3, nSamples: 1000 });
    const f = new Float64Array(77).map((_, i) => i / 3);
    await roundTrip('f.npy', Buffer.concat([npyHeader('float64', [77]), Buffer.from(f.buffer)]), { dtype: 'float64', nChannels: 1, nSamples: 77 });
    const be = Buffer.from(npyHeader('int16', [4, 2]));
    be.write("'>i2'", be.indexOf("'<i2'"), 'latin1');
    await roundTrip('be.npy', Buffer.concat([be, noise(16)]), { dtype: 'int16', nChannels: 2, nSamples: 4 });
    const fo = Buffer.from(npyHeader('int16', [4, 2]));
    fo.write('True, ', fo.indexOf('False'), 'latin1');
    writeFileSync(join(dir, 'fo.npy'), Buffer.concat([fo, noise(16)]));
    assert.throws(() => openSource(join(dir, 'fo.npy')), /Fortran/);
  });

  test('numpy reads what we write and we read what numpy writes', { skip: hasNumpy() ? false : 'python3 with numpy is absent' }, () => {
    const p = join(dir, 'np.npy');
    writeFileSync(p, Buffer.concat([npyHeader('int16', [5, 2]), Buffer.from(new Int16Array([1, 2, 3, 4, 5, 6, 7, 8, 9, -10]).buffer)]));
    const out = spawnSync('python3', ['-c', `import numpy as np; a=np.load('${p}'); print(a.shape, a.dtype, int(a[4,1])); np.save('${p}.py.npy', np.arange(12, dtype='<f4').reshape(6,2))`], { encoding: 'utf8' });
    assert.equal(out.stdout.trim(), '(5, 2) int16 -10');
    const info = openSource(`${p}.py.npy`).info;
    assert.deepEqual([info.dtype, info.nSamples, info.nChannels], ['float32', 6, 2]);
  });
});

function hasNumpy(): boolean {
  return spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
}

describe('raw and SpikeGLX', () => {
  test('raw needs a layout that fits the file, header bytes kept', async () => {
    const p = join(dir, 'x.dat');
    writeFileSync(p, noise(8 + 64 * 2 * 10));
    assert.throws(() => openSource(p), (e) => isNeurozipError(e, 'Usage') && /--dtype and --channels/.test(e.message));
    assert.throws(() => openSource(p, { raw: { dtype: 'int16', nChannels: 64 } }), (e) => isNeurozipError(e, 'Usage') && /whole number of frames/.test(e.message));
    const info = openSource(p, { raw: { dtype: 'int16', nChannels: 64, offset: 8, sampleRateHz: 25000 } }).info;
    assert.deepEqual([info.nSamples, info.prefix.byteLength], [10, 8]);
    await compressFile(p, p + '.nzp', { raw: { dtype: 'int16', nChannels: 64, offset: 8 } });
    await decompressFile(p + '.nzp', p + '.back');
    assert.deepEqual(readFileSync(p + '.back'), readFileSync(p));
  });

  test('a SpikeGLX .bin without its .meta is a clear error', () => {
    const p = join(dir, 'run_g0_t0.imec0.ap.bin');
    writeFileSync(p, noise(770));
    assert.throws(() => openSource(p), (e) => isNeurozipError(e, 'UnsupportedFormat') && /\.meta not found/.test(e.message));
  });
});

describe('real recordings round-trip byte for byte', { skip: NO_DATA }, () => {
  const ephys: [string, { raw?: { dtype: 'int16'; nChannels: number; offset?: number; sampleRateHz?: number } }][] = [
    ['ephys/spikeglx_np2/all_chan_g0_t0.imec0.ap.bin', {}],
    ['ephys/spikeglx_np_ultra/p5_g0_t0.imec0.ap.bin', {}],
    ['ephys/spikeglx_np_ultra/p5_g0_t0.imec0.lf.bin', {}],
    ['ephys/openephys_binary/v0.4.4.1_cinpla_32ch/Rhythm_FPGA-100.0/continuous.dat', { raw: { dtype: 'int16', nChannels: 32, sampleRateHz: 30000 } }],
    ['ephys/openephys_binary/np_lfp_384ch/Neuropix-PXI-116.1/continuous.dat', { raw: { dtype: 'int16', nChannels: 384, sampleRateHz: 2500 } }],
    ['ephys/openephys_binary/mixed_6ch/Rhythm_FPGA-100.0/continuous.dat', { raw: { dtype: 'int16', nChannels: 6, sampleRateHz: 30000 } }],
    ['ephys/locust_tridesclous/locust_trial_01.raw', { raw: { dtype: 'int16', nChannels: 4, sampleRateHz: 15000 } }],
    ['ephys/whitematter_hs64/HSW_2024_12_12__10_28_23__70min_17sec__hsamp_64ch_25000sps_stub.bin', { raw: { dtype: 'int16', nChannels: 64, offset: 8, sampleRateHz: 25000 } }],
  ];
  const n1 = existsSync(sharedPath('n1')) ? readdirSync(sharedPath('n1')).filter((f) => f.endsWith('.wav')).sort().filter((_, i) => i % 100 === 0) : [];
  for (const [rel, opts] of [...ephys, ...n1.map((f) => [`n1/${f}`, {}] as (typeof ephys)[number])]) {
    test(rel, async () => {
      const src = sharedPath(...rel.split('/'));
      const base = join(dir, rel.replace(/\//g, '_'));
      copyFileSync(src, base); // SpikeGLX needs its .meta beside it
      if (/\.bin$/.test(src) && existsSync(src.replace(/\.bin$/, '.meta'))) copyFileSync(src.replace(/\.bin$/, '.meta'), base.replace(/\.bin$/, '.meta'));
      const r = await compressFile(base, base + '.nzp', opts);
      assert.equal(r.verified, true);
      mkdirSync(join(dir, 'back'), { recursive: true });
      const back = join(dir, 'back', rel.replace(/\//g, '_'));
      await decompressFile(base + '.nzp', back.replace(/\.nzp$/, ''), {});
      assert.ok(readFileSync(back).equals(readFileSync(src)), 'restored file equals the original');
      if (existsSync(src.replace(/\.bin$/, '.meta')) && src.endsWith('.bin')) {
        assert.ok(readFileSync(back.replace(/\.bin$/, '.meta')).equals(readFileSync(src.replace(/\.bin$/, '.meta'))), '.meta restored');
      }
    });
  }
});
