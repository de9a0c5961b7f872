import type { Command } from 'commander';
import type { LossyRecord } from '../../container/format.js';
import { NzpReader } from '../../container/reader.js';
import { formatPipelineString } from '../../pipeline/spec-string.js';
import { forEachInput } from '../run.js';
import { boundOf } from '../../api/compress.js';

/** What `info --json` prints (field names are a contract). */
export async function infoOf(path: string) {
  const r = await NzpReader.open(path);
  try {
    const h = r.header;
    let payload = 0;
    for (let i = 0; i < r.nChunks; i++) payload += r.chunkPayloadBytes(i);
    return {
      file: path,
      format: h.source.format,
      sourceFile: h.source.fileName,
      dtype: h.dtype,
      nChannels: h.nChannels,
      nSamples: r.nSamples,
      sampleRateHz: h.sampleRateHz,
      durationSeconds: h.sampleRateHz ? r.nSamples / h.sampleRateHz : null,
      chunks: r.nChunks,
      chunkSamples: h.chunkSamples,
      rawBytes: r.footer.rawBytes,
      compressedBytes: r.fileBytes,
      /** bytes that are not chunk payload: preamble, header, frames, index, footer, tail */
      containerBytes: r.fileBytes - payload,
      formatVersion: r.version,
      ratio: r.fileBytes > 0 ? r.footer.rawBytes / r.fileBytes : 0,
      lossless: h.lossless,
      lossy: h.lossless ? null : h.lossy ?? null,
      errorBound: h.lossless ? 0 : await boundOf(h.lossy, h.pipeline, h.dtype),
      pipeline: h.pipeline,
      pipelineString: formatPipelineString(h.pipeline),
      sidecars: h.source.sidecars.map((s) => ({ role: s.role, bytes: s.data.byteLength, ...(s.path !== undefined ? { path: s.path } : {}) })),
      ...(h.source.mainPath !== undefined ? { mainPath: h.source.mainPath } : {}),
      channelNames: Array.isArray(h.source.meta.channelNames) ? (h.source.meta.channelNames as string[]) : null,
      rawSha256: r.footer.rawSha256,
      writer: h.writer,
    };
  } finally {
    r.close();
  }
}

function lossyLine(l: LossyRecord | null, bound: number | null): string {
  const asked = l ? ` (asked: --lossy ${l.mode}=${l.value}${l.spikes ? `,spikes=${l.spikes.fine},near=${l.spikes.near},win=${l.spikes.winMs}` : ''}${l.range ? `, value range ${l.range[0]}..${l.range[1]} of the recording` : ''})` : '';
  if (bound !== null) return `|x - x̂| <= ${bound} on every sample, guaranteed${l?.spikes ? `; <= ${l.spikes.fine} within ${l.spikes.winMs} ms of near-threshold excursions (${l.spikes.near} x the spike threshold)` : ''}${asked}`;
  if (l?.codec) {
    const what = l.mode === 'snr' ? `SNR ${l.value} dB` : l.mode === 'psnr' ? `PSNR ${l.value} dB (MSE ${l.mse?.toPrecision(4)} per value)` : `about ${l.bps} bits per sample`;
    return `transform codec ${l.codec}: step chosen per chunk for ${what}, NO per-sample error bound (asked: --lossy ${l.mode}=${l.value},codec=${l.codec}${l.range ? `, value range ${l.range[0]}..${l.range[1]} of the recording` : ''})`;
  }
  if (l?.mode === 'f1' || l?.mode === 'snr') return `target ${l.mode === 'f1' ? 'spike F1' : 'SNR'} >= ${l.value}${l.mode === 'snr' ? ' dB' : ''} per chunk (bound chosen per chunk, stored in the sz side bytes), NO error bound chosen by you (asked: --target ${l.mode}=${l.value})`;
  if (l?.mode === 'bps') return `rate mode: about ${l.bps} bits per sample, NO guaranteed error bound${asked}`;
  return 'no guaranteed error bound';
}

export function register(program: Command): void {
  program
    .command('info')
    .description('describe .nzp files: source format, shape, rate, chunks, ratio, pipeline')
    .argument('<input...>', '.nzp files')
    .option('--json', 'machine-readable output')
    .action(async (inputs: string[], o) => {
      await forEachInput(inputs, async (input) => {
        const i = await infoOf(input);
        if (o.json) {
          process.stdout.write(JSON.stringify(i) + '\n');
          return;
        }
        const lines = [
          `${input}`,
          `  source      ${i.sourceFile} (${i.format})${i.sidecars.length ? ' + ' + i.sidecars.map((s) => s.role).join(', ') : ''}`,
          `  samples     ${i.nSamples} x ${i.nChannels} channels, ${i.dtype}`,
          ...(i.channelNames ? [`  channels    ${i.channelNames.length > 12 ? [...i.channelNames.slice(0, 10), '...', i.channelNames.at(-1)].join(' ') : i.channelNames.join(' ')}`] : []),
          ...(i.mainPath ? [`  folder      ${i.mainPath}${i.sidecars.length ? ` + ${i.sidecars.length} file(s)` : ''}`] : []),
          `  rate        ${i.sampleRateHz ? `${i.sampleRateHz} Hz (${i.durationSeconds!.toFixed(3)} s)` : 'unknown'}`,
          `  chunks      ${i.chunks} of ${i.chunkSamples} samples`,
          `  size        ${i.rawBytes} -> ${i.compressedBytes} bytes (${i.ratio.toFixed(3)}x; container ${i.containerBytes} bytes, format version ${i.formatVersion})`,
          `  pipeline    ${i.pipelineString} (${i.lossless ? 'lossless' : 'LOSSY'})`,
          ...(i.lossless ? [] : [`  error       ${lossyLine(i.lossy, i.errorBound)}`]),
          `  sha256      ${i.rawSha256}`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
      });
    });
}
