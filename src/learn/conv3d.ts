/**
 * 3-D layers for small volume decoders (the `cnn3d` codec): a "same" convolution and a 2x linear
 * upsampling, both on activations [b, c, nz·ny·nx] (z outer, x inner) whose spatial dims are fixed
 * at construction. The sums run in a fixed, documented order (docs/spec/codecs/cnn3d.md), so a
 * forward pass gives the same doubles on every engine.
 */
import type { Rng } from './prng.js';
import { act, addBiasGrad, weightsAndBias, type Act, type Layer, type Param } from './tensor.js';

export type Dims3 = [number, number, number];

/**
 * 3-D convolution, stride 1, zero padding p = (k − 1) / 2 (k odd), [b, cin, d] -> [b, cout, d]:
 *   y[o, z, y, x] = bias[o] + Σ_i Σ_a Σ_b Σ_c w[o, i, a, b, c] · x[i, z + a − p, y + b − p, x + c − p]
 * accumulated in that order (i, then a, b, c ascending), terms outside the volume skipped.
 */
export class Conv3d implements Layer {
  readonly w: Param;
  readonly bias: Param;
  readonly params: Param[];
  readonly pad: number;
  private x: Act | undefined;
  constructor(readonly cin: number, readonly cout: number, readonly k: number, readonly dims: Dims3, rng: Rng, name = 'conv3d') {
    if (k < 1 || k % 2 !== 1) throw new Error(`conv3d: kernel ${k} must be odd`);
    ({ w: this.w, bias: this.bias, params: this.params } = weightsAndBias(name, [cout, cin, k, k, k], cout, cin * k * k * k, rng));
    this.pad = (k - 1) / 2;
  }
  /** The output index range [t0, t1] along an axis of length n whose input t + j − pad lies inside. */
  private range(j: number, n: number): [number, number] {
    return [Math.max(0, this.pad - j), Math.min(n - 1, n - 1 + this.pad - j)];
  }
  forward(x: Act, _train = false): Act {
    const [nz, ny, nx] = this.dims;
    const vol = nz * ny * nx;
    if (x.c !== this.cin || x.l !== vol) throw new Error(`conv3d: input [${x.c}, ${x.l}], expected [${this.cin}, ${vol}]`);
    this.x = x;
    const y = act(x.b, this.cout, vol);
    const { k, pad, cin, cout } = this;
    const W = this.w.w;
    const X = x.data;
    const Y = y.data;
    for (let n = 0; n < x.b; n++) {
      for (let o = 0; o < cout; o++) {
        const yo = (n * cout + o) * vol;
        Y.fill(this.bias.w[o]!, yo, yo + vol);
        for (let i = 0; i < cin; i++) {
          const xo = (n * cin + i) * vol;
          for (let a = 0; a < k; a++) {
            const [z0, z1] = this.range(a, nz);
            for (let b = 0; b < k; b++) {
              const [y0, y1] = this.range(b, ny);
              for (let c = 0; c < k; c++) {
                const wv = W[(((o * cin + i) * k + a) * k + b) * k + c]!;
                const [x0, x1] = this.range(c, nx);
                for (let z = z0; z <= z1; z++) {
                  for (let yy = y0; yy <= y1; yy++) {
                    const ro = yo + (z * ny + yy) * nx;
                    const ri = xo + ((z + a - pad) * ny + yy + b - pad) * nx + c - pad;
                    for (let t = x0; t <= x1; t++) Y[ro + t]! += wv * X[ri + t]!;
                  }
                }
              }
            }
          }
        }
      }
    }
    return y;
  }
  backward(dy: Act): Act {
    const x = this.x!;
    const [nz, ny, nx] = this.dims;
    const vol = nz * ny * nx;
    const dx = act(x.b, x.c, vol);
    const { k, pad, cin, cout } = this;
    const W = this.w.w;
    const G = this.w.g;
    const X = x.data;
    const DX = dx.data;
    const DY = dy.data;
    for (let n = 0; n < x.b; n++) {
      for (let o = 0; o < cout; o++) {
        const yo = (n * cout + o) * vol;
        addBiasGrad(this.bias.g, o, DY, yo, vol);
        for (let i = 0; i < cin; i++) {
          const xo = (n * cin + i) * vol;
          for (let a = 0; a < k; a++) {
            const [z0, z1] = this.range(a, nz);
            for (let b = 0; b < k; b++) {
              const [y0, y1] = this.range(b, ny);
              for (let c = 0; c < k; c++) {
                const wi = (((o * cin + i) * k + a) * k + b) * k + c;
                const wv = W[wi]!;
                const [x0, x1] = this.range(c, nx);
                let g = 0;
                for (let z = z0; z <= z1; z++) {
                  for (let yy = y0; yy <= y1; yy++) {
                    const ro = yo + (z * ny + yy) * nx;
                    const ri = xo + ((z + a - pad) * ny + yy + b - pad) * nx + c - pad;
                    for (let t = x0; t <= x1; t++) {
                      const d = DY[ro + t]!;
                      g += d * X[ri + t]!;
                      DX[ri + t]! += d * wv;
                    }
                  }
                }
                G[wi]! += g;
              }
            }
          }
        }
      }
    }
    return dx;
  }
}

/**
 * 2x linear upsampling along the axes flagged in `axes` ([z, y, x]), one axis at a time in the
 * order x, y, z. Along an axis of length n the output has 2n samples:
 *   out[2i] = 0.75·in[i] + 0.25·in[max(i − 1, 0)],  out[2i + 1] = 0.75·in[i] + 0.25·in[min(i + 1, n − 1)]
 * (the half-pixel-centred linear interpolation, edges clamped).
 */
export class Upsample3d implements Layer {
  readonly params: Param[] = [];
  readonly outDims: Dims3;
  constructor(readonly dims: Dims3, readonly axes: [boolean, boolean, boolean]) {
    this.outDims = dims.map((d, a) => (axes[a] ? 2 * d : d)) as Dims3;
  }
  /** The dims before each pass (x, then y, then z) and after the last. */
  private stages(): Dims3[] {
    const s: Dims3[] = [this.dims];
    let d = this.dims;
    for (const a of [2, 1, 0]) {
      if (!this.axes[a]) continue;
      d = d.map((v, j) => (j === a ? 2 * v : v)) as Dims3;
      s.push(d);
    }
    return s;
  }
  forward(x: Act, _train = false): Act {
    const vol = this.dims[0] * this.dims[1] * this.dims[2];
    if (x.l !== vol) throw new Error(`upsample3d: length ${x.l}, expected ${vol}`);
    let cur = x.data;
    let d = this.dims;
    for (const a of [2, 1, 0]) {
      if (!this.axes[a]) continue;
      cur = up1(cur, x.b * x.c, d, a);
      d = d.map((v, j) => (j === a ? 2 * v : v)) as Dims3;
    }
    return act(x.b, x.c, d[0] * d[1] * d[2], cur === x.data ? x.data.slice() : cur);
  }
  backward(dy: Act): Act {
    const st = this.stages();
    let cur = dy.data;
    let s = st.length - 1;
    for (const a of [0, 1, 2]) {
      if (!this.axes[a]) continue;
      cur = up1Adjoint(cur, dy.b * dy.c, st[--s]!, a);
    }
    return act(dy.b, dy.c, this.dims[0] * this.dims[1] * this.dims[2], cur === dy.data ? dy.data.slice() : cur);
  }
}

/** [outer, n, inner] view of `m` volumes of dims d along axis a. */
function view(m: number, d: Dims3, a: number): [number, number, number] {
  const inner = a === 2 ? 1 : a === 1 ? d[2] : d[1] * d[2];
  const outer = m * (a === 0 ? 1 : a === 1 ? d[0] : d[0] * d[1]);
  return [outer, d[a]!, inner];
}

function up1(x: Float64Array, m: number, d: Dims3, a: number): Float64Array {
  const [outer, n, inner] = view(m, d, a);
  const y = new Float64Array(outer * 2 * n * inner);
  for (let q = 0; q < outer; q++) {
    const xo = q * n * inner;
    const yo = q * 2 * n * inner;
    for (let i = 0; i < n; i++) {
      const c = xo + i * inner;
      const lo = xo + Math.max(i - 1, 0) * inner;
      const hi = xo + Math.min(i + 1, n - 1) * inner;
      const e = yo + 2 * i * inner;
      const f = e + inner;
      for (let t = 0; t < inner; t++) {
        y[e + t] = 0.75 * x[c + t]! + 0.25 * x[lo + t]!;
        y[f + t] = 0.75 * x[c + t]! + 0.25 * x[hi + t]!;
      }
    }
  }
  return y;
}

/** The transpose of up1 (d = the dims before upsampling). */
function up1Adjoint(dy: Float64Array, m: number, d: Dims3, a: number): Float64Array {
  const [outer, n, inner] = view(m, d, a);
  const dx = new Float64Array(outer * n * inner);
  for (let q = 0; q < outer; q++) {
    const xo = q * n * inner;
    const yo = q * 2 * n * inner;
    for (let i = 0; i < n; i++) {
      const c = xo + i * inner;
      const lo = xo + Math.max(i - 1, 0) * inner;
      const hi = xo + Math.min(i + 1, n - 1) * inner;
      const e = yo + 2 * i * inner;
      const f = e + inner;
      for (let t = 0; t < inner; t++) {
        const ge = dy[e + t]!;
        const gf = dy[f + t]!;
        dx[c + t]! += 0.75 * (ge + gf);
        dx[lo + t]! += 0.25 * ge;
        dx[hi + t]! += 0.25 * gf;
      }
    }
  }
  return dx;
}
