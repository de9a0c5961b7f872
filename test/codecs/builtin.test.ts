import { conformance } from '../kit/conformance.js';

const INTS = ['int16', 'int32', 'uint16', 'uint8', 'int8', 'uint32'] as const;
const ALL = [...INTS, 'float32', 'float64'] as const;

conformance('bytes', { dtypes: [...ALL] });
conformance('delta:order=1', { dtypes: [...INTS] });
conformance('delta:order=2', { dtypes: [...INTS] });
conformance('shuffle', { dtypes: [...ALL] });
conformance('deflate:level=6', { dtypes: [...ALL] });
conformance('brotli:quality=5', { dtypes: ['int16', 'float32'] });
conformance('zstd:level=3', { dtypes: [...ALL] });
conformance('delta:order=1+shuffle+zstd:level=3', { dtypes: [...INTS] });
