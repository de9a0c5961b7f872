/**
 * Preset DEFLATE dictionaries for the container's JSON blocks (normative: docs/spec/container.md).
 * Each is frozen with its format version: changing a byte makes old files unreadable.
 */

/**
 * Version 1: the keys and common values, so a small file's header and footer cost ~250 bytes
 * instead of ~620. Frozen with format version 1.
 */
export const JSON_DICTIONARY = Buffer.from(
  '{"dtype":"int16","nChannels":1,"sampleRateHz":30000,"chunkSamples":30000,"pipeline":[{"id":"delta","order":1},' +
    '{"id":"bytes"},{"id":"shuffle"},{"id":"zstd","level":3},{"id":"remap"},{"id":"lpc","order":32,"precision":14},' +
    '{"id":"rans"},{"id":"lmscm","order":32,"limit":255,"rate":8}],"lossless":true,"source":{"format":"spikeglx",' +
    '"fileName":".bin","encoding":{"bytesPerSample":2,"bigEndian":false},"prefix":"","sidecars":[{"role":"meta","data":' +
    '{"deflate":"","nbytes":0}}],"meta":{}},"writer":"neurozip 0.1.0"}' +
    '{"format":"wav","prefix":"UklGR","meta":{"bitsPerSample":16,"formatTag":1}},"writer":"neurozip 0.1.0"}' +
    '{"nSamples":0,"suffix":"","rawSha256":"","rawBytes":0,"chunksSha256":""}',
  'utf8',
);

/**
 * Version 2: whole header JSON blocks as the version-2 writer emits them for common inputs (Open
 * Ephys, mtscomp, SpikeGLX, raw, volume codecs, float volumes, the lossy and events pipelines on
 * N1-like WAV files), rarest first and the lossless N1 header last, so a typical header is a few
 * long matches plus its file name and sizes (an N1 header: 48 bytes, 134 with version 1's layout
 * and dictionary). Frozen with format version 2: 3171 bytes, SHA-256 in docs/spec/container.md.
 */
export const JSON_DICTIONARY_V2 = Buffer.from(
  '{"suffix":{"deflate":"","nbytes":0}}"encoding":{"bytesPerSample":3,"bigEndian":true},{"format":"open' +
    'ephys-binary","meta":{"stream":"Record Node 101#","channelNames":["CH1","CH2","ADC1"],"bitVolts":[0.' +
    '19499999284744263,0.000152587890625],"units":["uV","uV"]},"sidecars":[{"role":"file","data":{"deflat' +
    'e":"","nbytes":0},"path":"structure.oebin"},{"role":"channel-layout","data":""}],"mainPath":"/contin' +
    'uous.dat","fileName":"{"format":"mtscomp","meta":{"cbinBytes":0,"chunks":0,"chunkOrder":"F","doTimeD' +
    'iff":true,"doSpatialDiff":false},"sidecars":[{"role":"ch","data":{"deflate":"","nbytes":0}}],"fileNa' +
    'me":".imec0.ap.cbin"}}{"dtype":"int16","nChannels":385,"lossless":true,"writer":"neurozip 0.1.0","pi' +
    'peline":[{"id":"remap"},{"id":"lpc","order":32,"precision":14},{"id":"rans"}],"sampleRateHz":30000,"' +
    'chunkSamples":30000,"source":{"format":"spikeglx","meta":{"typeThis":"imec","fileSizeBytes":0},"side' +
    'cars":[{"role":"meta","data":{"deflate":"","nbytes":0}}],"fileName":"_g0_t0.imec0.ap.bin"}}{"format"' +
    ':"raw","prefix":"","fileName":".bin"}}[{"id":"dwt3d","levels":3,"step":0.0001,"threshold":0}][{"id":' +
    '"pca","block":4,"components":8,"step":0.0001}][{"id":"gmm","components":2,"iters":100,"seed":1}][{"i' +
    'd":"dct3d","keep":512,"step":0.0001}][{"id":"hermite","order":8}]{"dtype":"float32","nChannels":40,"' +
    'lossless":false,"writer":"neurozip 0.1.0","pipeline":[{"id":"sz3d","mode":"abs","bound":0.0001}],"sa' +
    'mpleRateHz":null,"chunkSamples":1600,"shape":[40,40,40],"source":{"format":"npy","meta":{"shape":[40' +
    ',40,40]},"prefix":{"npy":[40,40,40]},"fileName":".npy"}}{"dtype":"int16","nChannels":1,"lossless":fa' +
    'lse,"writer":"neurozip 0.1.0","pipeline":[{"id":"decimate","factor":64},{"id":"sz","abs":1800,"order' +
    '":8},{"id":"bytes"}],"pipeline":[{"id":"sz","order":32,"tf1":0.9,"fs":19531,"tsnr":10,"grid":1},{"id' +
    '":"rans"}],"lossy":{"mode":"f1","value":0.9,"abs":null,"bps":null,"guaranteed":false,"range":null},"' +
    'pipeline":[{"id":"sz","bps":2,"order":32,"grid":1},{"id":"rans"}],"lossy":{"mode":"bps","value":2,"a' +
    'bs":null,"bps":2,"guaranteed":false,"range":[-8488,9704]},"pipeline":[{"id":"sz","abs":1800,"order":' +
    '32,"grid":1,"fine":64,"fs":19531,"win":20,"near":0.7},{"id":"rans"}],"lossy":{"mode":"abs","value":1' +
    '800,"abs":1800,"bps":null,"guaranteed":true,"range":null,"spikes":{"fine":64,"near":0.7,"winMs":1}},' +
    '"sampleRateHz":19531,"chunkSamples":131072,"source":{"format":"wav","meta":{"bitsPerSample":16,"form' +
    'atTag":1},"prefix":{"wav":197378},"fileName":"{"dtype":"int16","nChannels":1,"lossless":false,"write' +
    'r":"neurozip 0.1.0","pipeline":[{"id":"events","fs":19531,"k":3.75,"pre":1,"post":1,"q":1}],"sampleR' +
    'ateHz":19531,"chunkSamples":131072,"source":{"format":"wav","meta":{"bitsPerSample":16,"formatTag":1' +
    '},"prefix":{"wav":197378},"fileName":"[{"id":"remap"},{"id":"lmscm","order":32,"limit":255,"rate":8}' +
    '],[{"id":"remap"},{"id":"lpc","order":8,"precision":14},{"id":"rans"}],{"dtype":"int16","nChannels":' +
    '1,"lossless":true,"writer":"neurozip 0.1.0","pipeline":[{"id":"remap"},{"id":"lpc","order":32,"preci' +
    'sion":14},{"id":"rans"}],"sampleRateHz":19531,"chunkSamples":131072,"source":{"format":"wav","meta":' +
    '{"bitsPerSample":16,"formatTag":1},"prefix":{"wav":197378},"fileName":"',
  'utf8',
);
