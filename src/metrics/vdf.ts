/**
 * Physical moments of a velocity distribution function f on a uniform velocity grid [vz, vy, vx]
 * (C order): density n = Σ f ΔV, bulk velocity V = Σ v f ΔV / n, and temperature from the scalar
 * pressure, T ∝ Σ |v - V|² f ΔV / (3 n) (reported in velocity² units: T·k_B/m). Axes default to
 * cell indices; pass the velocity extents to get physical units (the relative errors are the same).
 */
export interface VdfMoments {
  density: number;
  bulk: [number, number, number];
  /** (vx, vy, vz) second central moment / 3 = k_B T / m. */
  temperature: number;
}

export interface VelocityAxes {
  vx: [number, number];
  vy: [number, number];
  vz: [number, number];
}

export function vdfMoments(f: ArrayLike<number>, shape: readonly number[], axes?: VelocityAxes): VdfMoments {
  const [nz, ny, nx] = shape as [number, number, number];
  const ax = (r: [number, number] | undefined, n: number) => {
    const lo = r ? r[0] : 0;
    const d = r ? (r[1] - r[0]) / n : 1;
    return Float64Array.from({ length: n }, (_, i) => lo + (i + 0.5) * d);
  };
  const vx = ax(axes?.vx, nx);
  const vy = ax(axes?.vy, ny);
  const vz = ax(axes?.vz, nz);
  let s0 = 0;
  let sx = 0;
  let sy = 0;
  let sz = 0;
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const v = f[i]!;
        s0 += v;
        sx += v * vx[x]!;
        sy += v * vy[y]!;
        sz += v * vz[z]!;
      }
    }
  }
  const bulk: [number, number, number] = s0 !== 0 ? [sx / s0, sy / s0, sz / s0] : [0, 0, 0];
  let s2 = 0;
  i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const dx = vx[x]! - bulk[0];
        const dy = vy[y]! - bulk[1];
        const dz = vz[z]! - bulk[2];
        s2 += f[i]! * (dx * dx + dy * dy + dz * dz);
      }
    }
  }
  const dV = axes ? ((axes.vx[1] - axes.vx[0]) / nx) * ((axes.vy[1] - axes.vy[0]) / ny) * ((axes.vz[1] - axes.vz[0]) / nz) : 1;
  return { density: s0 * dV, bulk, temperature: s0 !== 0 ? s2 / (3 * s0) : 0 };
}

/**
 * Relative errors of the moments of a reconstruction: density and temperature relative to their
 * own value; bulk velocity as |ΔV| relative to the thermal speed sqrt(T) (a bulk velocity near 0
 * makes |ΔV|/|V| meaningless).
 */
export function momentErrors(orig: VdfMoments, rec: VdfMoments): { density: number; bulk: number; temperature: number } {
  const rel = (a: number, b: number) => (a === 0 ? (b === 0 ? 0 : Infinity) : Math.abs(b - a) / Math.abs(a));
  const dv = Math.hypot(rec.bulk[0] - orig.bulk[0], rec.bulk[1] - orig.bulk[1], rec.bulk[2] - orig.bulk[2]);
  const vth = Math.sqrt(orig.temperature);
  return { density: rel(orig.density, rec.density), bulk: vth > 0 ? dv / vth : dv === 0 ? 0 : Infinity, temperature: rel(orig.temperature, rec.temperature) };
}
