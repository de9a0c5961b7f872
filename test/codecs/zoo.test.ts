import { conformance } from '../kit/conformance.js';

const INTS = ['int16', 'int32', 'uint16', 'uint8', 'int8', 'uint32'] as const;
const ALL = [...INTS, 'float32', 'float64'] as const;

conformance('gzip:level=6', { dtypes: ['int16', 'float32'] });
conformance('zlib:level=6', { dtypes: ['int16', 'float32'] });
conformance('lz4', { dtypes: [...ALL] });
conformance('bzip2:level=9', { dtypes: ['int16', 'float64'] });
conformance('xz:preset=1,extreme=false', { dtypes: ['int16', 'float32'] });
conformance('bitshuffle', { dtypes: [...ALL] });
conformance('bitshuffle+lz4', { dtypes: ['int16', 'uint32'] });
conformance('huffman', { dtypes: [...ALL] });
conformance('delta:order=1+huffman', { dtypes: ['int16', 'int32'] });
conformance('arith:adaptive=false', { dtypes: [...ALL] });
conformance('arith:adaptive=true', { dtypes: [...ALL] });
conformance('rle', { dtypes: [...ALL] });
conformance('wavelet53:levels=4', { dtypes: [...INTS] });
conformance('wavelet53:levels=3+arith:adaptive=true', { dtypes: ['int16', 'uint32'] });
