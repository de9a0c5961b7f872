import { registerCodec } from './registry.js';

/**
 * The codecs neurozip ships, each loaded on first use. One line per codec id; the file that
 * implements a codec is named by its id.
 */
const BUILTIN: Record<string, () => Promise<{ factory: import('./codec.js').CodecFactory }>> = {
  bytes: () => import('./bytes.js'),
  delta: () => import('./filter/delta.js'),
  lut: () => import('./filter/lut.js'),
  remap: () => import('./filter/remap.js'),
  fixed: () => import('./filter/fixed.js'),
  chdiff: () => import('./filter/chdiff.js'),
  lpc: () => import('./filter/lpc.js'),
  mclpc: () => import('./filter/mclpc.js'),
  rice: () => import('./entropy/rice.js'),
  cm: () => import('./entropy/cm.js'),
  lmscm: () => import('./entropy/lmscm.js'),
  rans: () => import('./entropy/rans.js'),
  shuffle: () => import('./bytes/shuffle.js'),
  deflate: () => import('./bytes/deflate.js'),
  brotli: () => import('./bytes/brotli.js'),
  zstd: () => import('./bytes/zstd.js'),
  gzip: () => import('./bytes/gzip.js'),
  zlib: () => import('./bytes/zlib.js'),
  lz4: () => import('./bytes/lz4.js'),
  bzip2: () => import('./bytes/bzip2.js'),
  xz: () => import('./bytes/xz.js'),
  bitshuffle: () => import('./bytes/bitshuffle.js'),
  huffman: () => import('./entropy/huffman.js'),
  arith: () => import('./entropy/arith.js'),
  rle: () => import('./entropy/rle.js'),
  wavelet53: () => import('./filter/wavelet53.js'),
  events: () => import('./lossy/events.js'),
  sz: () => import('./lossy/sz.js'),
  decimate: () => import('./lossy/decimate.js'),
  bitdepth8: () => import('./lossy/bitdepth8.js'),
  svd: () => import('./lossy/svd.js'),
  dct: () => import('./lossy/dct.js'),
  dwt: () => import('./lossy/dwt.js'),
  vqcae: () => import('./lossy/vqcae.js'),
  sz3d: () => import('./filter/sz3d.js'),
  dct3d: () => import('./volume/dct3d.js'),
  dwt3d: () => import('./volume/dwt3d.js'),
  pca: () => import('./volume/pca.js'),
  gmm: () => import('./volume/gmm.js'),
  hermite: () => import('./volume/hermite.js'),
  sphharm: () => import('./volume/sphharm.js'),
  octree: () => import('./volume/octree.js'),
  inr: () => import('./volume/inr.js'),
  cnn3d: () => import('./volume/cnn3d.js'),
};

for (const [id, load] of Object.entries(BUILTIN)) registerCodec(id, async () => (await load()).factory, 'builtin');
