/**
 * OASIS (Friedrich, Zhou & Paninski 2017, "Fast online deconvolution of calcium imaging data",
 * PLoS Comput Biol 13:e1005423) for the AR(1) model
 *
 *     y_t = b_t + c_t + noise,   c_t = γ c_{t-1} + s_t,   s_t >= 0,
 *
 * solved exactly by pool-adjacent-violators on the calcium trace c: each pool is a run of frames
 * where c decays geometrically from the pool's first value; a new frame starts a pool, and pools are
 * merged while the implied spike at the start of the later pool is below the minimum spike size
 * s_min (s_min = 0: plain non-negativity); jumps below s_min left after clamping a pool at 0
 * are not reported as events. An L1 penalty λ Σ s_t is folded into the data
 * (y_t - λ(1-γ) for t < T, y_T - λ), as in the paper. The spike estimate per frame is
 * s_t = c_t - γ c_{t-1} (s_0 = c_0).
 *
 * Parameters are estimated from the trace itself, as in CaImAn/OASIS:
 * - noise σ: Welch power spectral density (Hann window, 256-frame segments, half overlap), averaged
 *   over the upper half of the band (0.25..0.5 cycles/frame), σ = sqrt(exp(mean(log(PSD/2))))
 *   (CaImAn's `GetSn` with method 'logmexp');
 * - decay γ: the autocovariance Yule–Walker estimate with the noise variance removed from lag 0
 *   (CaImAn's `estimate_time_constant`, p = 1, least squares over `lags` lags), unless a time
 *   constant τ is given (γ = exp(-1/(τ fs)));
 * - baseline b_t: a running low percentile (default the 20th, 60 s windows) shifted up by the
 *   Gaussian quantile times σ (the 20th percentile of baseline + N(0, σ²) lies 0.84 σ below it).
 */
import { UsageError } from '../core/errors.js';

export interface OasisResult {
  /** denoised calcium trace (baseline removed) */
  c: Float64Array;
  /** deconvolved activity per frame (dF/F units of a jump in c) */
  s: Float64Array;
}

/** Exact AR(1) OASIS (pool-adjacent-violators). `y` should have its baseline removed. */
export function oasisAR1(y: ArrayLike<number>, g: number, lam = 0, smin = 0): OasisResult {
  const T = y.length;
  if (!(g >= 0 && g < 1)) throw new UsageError(`OASIS: decay factor γ must be in [0, 1), got ${g}`);
  if (!(lam >= 0) || !(smin >= 0)) throw new UsageError('OASIS: λ and s_min must be >= 0');
  const c = new Float64Array(T);
  const s = new Float64Array(T);
  if (T === 0) return { c, s };
  // pools: value (c at the pool's first frame), weight, start, length
  const v = new Float64Array(T);
  const w = new Float64Array(T);
  const t0 = new Int32Array(T);
  const len = new Int32Array(T);
  // powers of γ are needed up to T; compute on demand with a cache
  const gp = new Float64Array(T + 1);
  gp[0] = 1;
  for (let i = 1; i <= T; i++) gp[i] = gp[i - 1]! * g;
  let n = 0;
  for (let t = 0; t < T; t++) {
    const yt = y[t]! - (t < T - 1 ? lam * (1 - g) : lam);
    v[n] = yt;
    w[n] = 1;
    t0[n] = t;
    len[n] = 1;
    n++;
    while (n > 1 && v[n - 1]! < gp[len[n - 2]!]! * v[n - 2]! + smin) {
      // merge pool n-1 into n-2
      const gl = gp[len[n - 2]!]!;
      const a = n - 2;
      const b = n - 1;
      const wNew = w[a]! + gl * gl * w[b]!;
      v[a] = (w[a]! * v[a]! + gl * w[b]! * v[b]!) / wNew;
      w[a] = wNew;
      len[a] = len[a]! + len[b]!;
      n--;
    }
  }
  for (let k = 0; k < n; k++) {
    const val = Math.max(0, v[k]!);
    for (let j = 0; j < len[k]!; j++) c[t0[k]! + j] = val * gp[j]!;
  }
  s[0] = c[0]! >= smin ? c[0]! : 0;
  for (let t = 1; t < T; t++) {
    const d = c[t]! - g * c[t - 1]!;
    // a pool that follows one clamped at 0 can start with a jump below s_min: not an event
    s[t] = d >= smin && d > 0 ? d : 0;
  }
  return { c, s };
}

/**
 * OASIS for the AR(2) model c_t = g1 c_{t-1} + g2 c_{t-2} + s_t (the paper's greedy variant, as in
 * its reference implementations): a pool is a run of frames whose calcium follows the AR(2) kernel
 * from its first value v, continuing the previous pool's last value: c_{t+k} = h1_k v + h2_k c_{t-1},
 * h1_k = (d^(k+1) - r^(k+1)) / (d - r) with d, r the roots of z^2 - g1 z - g2 (real, 0 <= r < d < 1
 * required), h2_k = g2 h1_(k-1) (h2_0 = 0). A new frame violates when it starts below the
 * previous pool's continuation + s_min; the two pools merge (v by least squares given the previous
 * pool's last value) and earlier pools are re-checked. The first frame stays its own pool. The L1
 * penalty is folded into the data (y_t - λ(1 - g1 - g2), y_{T-2} - λ(1 - g1), y_{T-1} - λ).
 * s_t = c_t - g1 c_{t-1} - g2 c_{t-2} for t >= 3 (0 before), values below s_min set to 0.
 */
export function oasisAR2(y: ArrayLike<number>, g1: number, g2: number, lam = 0, smin = 0): OasisResult {
  const T = y.length;
  const disc = g1 * g1 + 4 * g2;
  if (!(disc > 0)) throw new UsageError(`OASIS AR(2): g1² + 4 g2 must be > 0 (real roots), got g1 = ${g1}, g2 = ${g2}`);
  const d = (g1 + Math.sqrt(disc)) / 2;
  const r = (g1 - Math.sqrt(disc)) / 2;
  if (!(d < 1 && r >= 0 && d > r)) throw new UsageError(`OASIS AR(2): roots must satisfy 0 <= r < d < 1, got d = ${d}, r = ${r}`);
  if (!(lam >= 0) || !(smin >= 0)) throw new UsageError('OASIS: λ and s_min must be >= 0');
  const c = new Float64Array(T);
  const s = new Float64Array(T);
  if (T === 0) return { c, s };
  const yp = new Float64Array(T);
  for (let t = 0; t < T; t++) yp[t] = y[t]! - lam * (t === T - 1 ? 1 : t === T - 2 ? 1 - g1 : 1 - g1 - g2);
  // kernel tables: h1[k], h2[k], and running sums of h1², h1·h2
  const h1 = new Float64Array(T + 1);
  const dk = new Float64Array(T + 1);
  const rk = new Float64Array(T + 1);
  const dPow = (k: number) => dk[k]!;
  const rPow = (k: number) => rk[k]!;
  dk[0] = 1;
  rk[0] = 1;
  for (let k = 1; k <= T; k++) {
    dk[k] = dk[k - 1]! * d;
    rk[k] = rk[k - 1]! * r;
  }
  const h2 = new Float64Array(T + 1);
  const h11 = new Float64Array(T + 1);
  const h12 = new Float64Array(T + 1);
  let dp = d;
  let rp = r;
  for (let k = 0; k <= T; k++) {
    h1[k] = (dp - rp) / (d - r);
    dp *= d;
    rp *= r;
    h2[k] = k === 0 ? 0 : g2 * h1[k - 1]!;
    h11[k] = (k ? h11[k - 1]! : 0) + h1[k]! * h1[k]!;
    h12[k] = (k ? h12[k - 1]! : 0) + h1[k]! * h2[k]!;
  }
  // pools: first value v, last value w, start t0, length len
  const v = new Float64Array(T);
  const w = new Float64Array(T);
  const t0 = new Int32Array(T);
  const len = new Int32Array(T);
  // per pool: sums of d^k yp and r^k yp over its frames, so sum h1_k yp = (d A - r B) / (d - r)
  // and merging is O(1)
  const A = new Float64Array(T);
  const B = new Float64Array(T);
  const refit = (i: number) => {
    // least-squares first value of pool i given the previous pool's last value
    const l = len[i]!;
    const acc = (d * A[i]! - r * B[i]!) / (d - r);
    const prevW = w[i - 1]!;
    v[i] = (acc - h12[l - 1]! * prevW) / h11[l - 1]!;
    w[i] = h1[l - 1]! * v[i]! + h2[l - 1]! * prevW;
  };
  // the continuation of pool i one frame past its end
  const next = (i: number) => h1[len[i]!]! * v[i]! + h2[len[i]!]! * w[i - 1]!;
  let n = 0;
  for (let t = 0; t < T; t++) {
    v[n] = yp[t]!;
    w[n] = yp[t]!;
    A[n] = yp[t]!;
    B[n] = yp[t]!;
    t0[n] = t;
    len[n] = 1;
    n++;
    // pool 0 (the first frame) never merges; pool i >= 1 merges into i - 1 >= 1 while it violates
    while (n > 2 && v[n - 1]! < next(n - 2) + smin) {
      const a = n - 2;
      const b = n - 1;
      A[a] = A[a]! + dPow(len[a]!) * A[b]!;
      B[a] = B[a]! + rPow(len[a]!) * B[b]!;
      len[a] = len[a]! + len[b]!;
      n--;
      refit(a);
    }
  }
  for (let i = 0; i < n; i++) {
    const a = t0[i]!;
    c[a] = v[i]!;
    for (let k = 1; k < len[i]!; k++) c[a + k] = g1 * c[a + k - 1]! + g2 * (a + k - 2 >= 0 ? c[a + k - 2]! : 0);
  }
  for (let t = 0; t < T; t++) if (c[t]! < 0) c[t] = 0;
  for (let t = 3; t < T; t++) {
    const dd = c[t]! - g1 * c[t - 1]! - g2 * c[t - 2]!;
    s[t] = dd >= smin && dd > 0 ? dd : 0;
  }
  return { c, s };
}

/** Noise σ from the high-frequency half of the Welch PSD (CaImAn GetSn, 'logmexp'). */
export function estimateNoise(y: ArrayLike<number>, band: [number, number] = [0.25, 0.5], nperseg = 256): number {
  const T = y.length;
  if (T < 8) throw new UsageError(`noise estimate needs at least 8 frames, got ${T}`);
  const L = Math.min(nperseg, T);
  const step = Math.max(1, Math.floor(L / 2));
  const win = new Float64Array(L);
  for (let i = 0; i < L; i++) win[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / L); // periodic Hann, as scipy
  let wss = 0;
  for (let i = 0; i < L; i++) wss += win[i]! * win[i]!;
  const k0 = Math.ceil(band[0] * L);
  const k1 = Math.floor(band[1] * L);
  const psd = new Float64Array(k1 - k0 + 1);
  const seg = new Float64Array(L);
  let nseg = 0;
  for (let st = 0; st + L <= T; st += step) {
    let mean = 0;
    for (let i = 0; i < L; i++) mean += y[st + i]!;
    mean /= L;
    for (let i = 0; i < L; i++) seg[i] = (y[st + i]! - mean) * win[i]!; // detrend 'constant'
    for (let k = k0; k <= k1; k++) {
      let re = 0;
      let im = 0;
      const om = (-2 * Math.PI * k) / L;
      for (let i = 0; i < L; i++) {
        re += seg[i]! * Math.cos(om * i);
        im += seg[i]! * Math.sin(om * i);
      }
      // one-sided density at fs = 1 (the Nyquist bin is not doubled)
      psd[k - k0] += ((k === L / 2 ? 1 : 2) * (re * re + im * im)) / wss;
    }
    nseg++;
  }
  let acc = 0;
  let m = 0;
  for (let k = k0; k <= k1; k++) {
    // CaImAn halves the density; the Nyquist bin (not doubled) is left as scipy returns it
    const p = psd[k - k0]! / nseg / 2;
    if (p > 0) {
      acc += Math.log(p);
      m++;
    }
  }
  return m ? Math.sqrt(Math.exp(acc / m)) : 0;
}

/** AR(1) decay from the autocovariance (CaImAn estimate_time_constant, p = 1). */
export function estimateGamma(y: ArrayLike<number>, sn: number, lags = 5): number {
  const T = y.length;
  if (T < lags + 2) throw new UsageError(`decay estimate needs more than ${lags + 1} frames`);
  let mean = 0;
  for (let i = 0; i < T; i++) mean += y[i]!;
  mean /= T;
  const acov = new Float64Array(lags + 2);
  for (let k = 0; k <= lags + 1; k++) {
    let a = 0;
    for (let i = k; i < T; i++) a += (y[i]! - mean) * (y[i - k]! - mean);
    acov[k] = a / T;
  }
  // least squares over k = 1..lags+1 of acov[k] ≈ γ (acov[k-1] - σ² [k-1 = 0])
  let num = 0;
  let den = 0;
  for (let k = 1; k <= lags + 1; k++) {
    const x = acov[k - 1]! - (k === 1 ? sn * sn : 0);
    num += x * acov[k]!;
    den += x * x;
  }
  const g = den > 0 ? num / den : 0;
  return Math.min(Math.max(g, 0), 0.9999);
}

/**
 * AR(2) coefficients from the autocovariance (CaImAn estimate_time_constant, p = 2): least squares
 * over k = 0..lags+1 of acov[k+1] = g1 (acov[k] - σ² [k = 0]) + g2 (acov[|k-1|] - σ² [k = 1]).
 * Returns undefined when the fit is not a rise-and-decay kernel (roots not real in [0, 1)).
 */
export function estimateAR2(y: ArrayLike<number>, sn: number, lags = 5): [number, number] | undefined {
  const T = y.length;
  const L = lags + 2;
  if (T < L + 2) throw new UsageError(`decay estimate needs more than ${L + 1} frames`);
  let mean = 0;
  for (let i = 0; i < T; i++) mean += y[i]!;
  mean /= T;
  const acov = new Float64Array(L + 1);
  for (let k = 0; k <= L; k++) {
    let a = 0;
    for (let i = k; i < T; i++) a += (y[i]! - mean) * (y[i - k]! - mean);
    acov[k] = a / T;
  }
  // normal equations of the L x 2 system
  let a11 = 0;
  let a12 = 0;
  let a22 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let k = 0; k < L; k++) {
    const x1 = acov[k]! - (k === 0 ? sn * sn : 0);
    const x2 = acov[Math.abs(k - 1)]! - (k === 1 ? sn * sn : 0);
    const t = acov[k + 1]!;
    a11 += x1 * x1;
    a12 += x1 * x2;
    a22 += x2 * x2;
    b1 += x1 * t;
    b2 += x2 * t;
  }
  const det = a11 * a22 - a12 * a12;
  if (!(Math.abs(det) > 0)) return undefined;
  const g1 = (b1 * a22 - b2 * a12) / det;
  const g2 = (a11 * b2 - a12 * b1) / det;
  const disc = g1 * g1 + 4 * g2;
  if (!(disc > 0)) return undefined;
  const d = (g1 + Math.sqrt(disc)) / 2;
  const r = (g1 - Math.sqrt(disc)) / 2;
  return d < 1 && r >= 0 && d > r ? [g1, g2] : undefined;
}

/** Running percentile baseline: quantile `q` of ±window/2 around anchor points, interpolated. */
export function runningPercentile(y: ArrayLike<number>, window: number, q: number): Float64Array {
  const T = y.length;
  const out = new Float64Array(T);
  if (T === 0) return out;
  const half = Math.max(1, Math.floor(window / 2));
  const stride = Math.max(1, Math.floor(half / 5));
  const anchors: number[] = [];
  for (let a = 0; a < T; a += stride) anchors.push(a);
  if (anchors[anchors.length - 1] !== T - 1) anchors.push(T - 1);
  const vals = anchors.map((a) => {
    const lo = Math.max(0, a - half);
    const hi = Math.min(T, a + half + 1);
    const seg = Float64Array.from({ length: hi - lo }, (_, i) => y[lo + i]!).sort();
    const pos = q * (seg.length - 1);
    const i = Math.floor(pos);
    return seg[i]! + (pos - i) * ((seg[Math.min(i + 1, seg.length - 1)] ?? seg[i]!) - seg[i]!);
  });
  if (anchors.length === 1) {
    out.fill(vals[0]!);
    return out;
  }
  for (let k = 0; k + 1 < anchors.length; k++) {
    const a = anchors[k]!;
    const b = anchors[k + 1]!;
    for (let t = a; t <= b; t++) out[t] = vals[k]! + ((t - a) / (b - a)) * (vals[k + 1]! - vals[k]!);
  }
  return out;
}

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normInv(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - pl) return -normInv(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

export interface DeconvolveOptions {
  /** decay time constant in s; default: estimated from the autocovariance */
  tauS?: number;
  /** minimum spike size in units of the noise σ (thresholded OASIS); default 1 */
  sminSigma?: number;
  /** L1 penalty λ (dF/F units); default 0 */
  lambda?: number;
  /** baseline window in s (default 60) and percentile (default 0.2) */
  baselineWindowS?: number;
  baselineQuantile?: number;
  /** autocovariance lags for the γ estimate (default 5) */
  lags?: number;
  /** AR order: 1 (default) or 2 (estimated g1, g2; falls back to AR(1) when the fit has no real roots in [0, 1)) */
  order?: 1 | 2;
}

export interface DeconvolveResult extends OasisResult {
  gamma: number;
  tauS: number;
  /** how γ was obtained */
  gammaSource: 'autocovariance' | 'given tau';
  /** the AR order used and, for AR(2), its coefficients (g = [g1, g2]) */
  order: 1 | 2;
  g?: [number, number];
  sigma: number;
  smin: number;
  baseline: Float64Array;
  /** s_t * fs: a rate in (dF/F jump) per second, proportional to the spike rate */
  rate: Float64Array;
}

/** Baseline, noise and decay estimation, then AR(1) (or AR(2)) OASIS, for one dF/F trace at `fs` Hz. */
export function deconvolve(y: ArrayLike<number>, fs: number, o: DeconvolveOptions = {}): DeconvolveResult {
  if (!(fs > 0)) throw new UsageError(`deconvolve: frame rate must be > 0, got ${fs}`);
  const T = y.length;
  for (let i = 0; i < T; i++) if (!Number.isFinite(y[i]!)) throw new UsageError(`deconvolve: non-finite dF/F value at frame ${i}`);
  const sigma = estimateNoise(y);
  const q = o.baselineQuantile ?? 0.2;
  const base = runningPercentile(y, Math.round((o.baselineWindowS ?? 60) * fs), q);
  const shift = -normInv(q) * sigma;
  const yb = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    base[i] = base[i]! + shift;
    yb[i] = y[i]! - base[i]!;
  }
  let gamma: number;
  let gammaSource: DeconvolveResult['gammaSource'];
  if (o.tauS !== undefined) {
    if (!(o.tauS > 0)) throw new UsageError(`--tau must be > 0 s, got ${o.tauS}`);
    gamma = Math.exp(-1 / (o.tauS * fs));
    gammaSource = 'given tau';
  } else {
    gamma = estimateGamma(yb, sigma, o.lags ?? 5);
    gammaSource = 'autocovariance';
  }
  const smin = (o.sminSigma ?? 1) * sigma;
  const g2 = o.order === 2 && o.tauS === undefined ? estimateAR2(yb, sigma, o.lags ?? 5) : undefined;
  if (g2) {
    // the decay root plays γ's part in the reported time constant
    gamma = (g2[0] + Math.sqrt(g2[0] * g2[0] + 4 * g2[1])) / 2;
  }
  const { c, s } = g2 ? oasisAR2(yb, g2[0], g2[1], o.lambda ?? 0, smin) : oasisAR1(yb, gamma, o.lambda ?? 0, smin);
  const rate = Float64Array.from(s, (v) => v * fs);
  return { c, s, gamma, tauS: gamma > 0 ? -1 / (fs * Math.log(gamma)) : 0, gammaSource, order: g2 ? 2 : 1, g: g2, sigma, smin, baseline: base, rate };
}
