import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fidelity, fullScale, gaussianWindow, maxAbsError, mse, psnr, rmse, snr, ssim, ssimFullScale } from '../../src/metrics/fidelity.js';

const close = (a: number, b: number, eps = 1e-9, what = '') => assert.ok(Math.abs(a - b) <= eps * Math.max(1, Math.abs(b)), `${what} ${a} != ${b}`);

describe('fidelity metrics against hand-computed values', () => {
  // x = 1 2 3 4, y = 1 2 3 6: errors 0 0 0 -2
  const x = Int16Array.of(1, 2, 3, 4);
  const y = Int16Array.of(1, 2, 3, 6);

  test('MSE, RMSE, max abs error', () => {
    assert.equal(mse(x, y), 1); // 4 / 4
    assert.equal(rmse(x, y), 1);
    assert.equal(maxAbsError(x, y), 2);
    assert.equal(mse(new Int16Array(0), new Int16Array(0)), 0);
  });

  test('SNR uses the mean-removed original: 10 log10(5 / 4)', () => {
    // sum (x - 2.5)^2 = 2.25 + 0.25 + 0.25 + 2.25 = 5; error energy 4
    close(snr(x, y), 10 * Math.log10(5 / 4), 1e-12);
    close(snr(x, y), 0.9691001300805642, 1e-12);
    // a DC offset does not count as signal
    const xo = Int16Array.from(x, (v) => v + 1000);
    const yo = Int16Array.from(y, (v) => v + 1000);
    close(snr(xo, yo), 0.9691001300805642, 1e-12);
  });

  test('SNR removes each channel its own mean', () => {
    // channel 0: 0 2 4 (mean 2, energy 8), channel 1: 10 10 10 (energy 0); one error of 1
    const a = Int16Array.of(0, 10, 2, 10, 4, 10);
    const b = Int16Array.of(0, 10, 2, 10, 5, 10);
    close(snr(a, b, 2), 10 * Math.log10(8 / 1), 1e-12);
  });

  test('PSNR with peak = the original range: 10 log10(3^2 / 1)', () => {
    close(psnr(x, y), 9.542425094393248, 1e-12);
    close(psnr(x, y, 65535), 20 * Math.log10(65535), 1e-12);
  });

  test('identical signals: MSE 0, SNR/PSNR infinite, SSIM 1', () => {
    const f = fidelity(x, x);
    assert.deepEqual(f, { mse: 0, rmse: 0, snr: Infinity, psnr: Infinity, ssim: 1, maxAbsError: 0 });
  });

  test('SSIM, short signal: one window of equal weights', () => {
    // mx 2.5, my 3, vx 1.25, vy 3.5, cov 2, L 3 -> C1 0.0009, C2 0.0081
    const want = ((2 * 2.5 * 3 + 0.0009) * (2 * 2 + 0.0081)) / ((2.5 ** 2 + 9 + 0.0009) * (1.25 + 3.5 + 0.0081));
    close(ssim(x, y), want, 1e-12);
    close(ssim(x, y), 0.8285654610365807, 1e-12);
  });

  test('SSIM, one full Gaussian window (11 samples, sigma 1.5)', () => {
    const w = gaussianWindow();
    assert.equal(w.length, 11);
    close(w.reduce((s, v) => s + v, 0), 1, 1e-12);
    close(w[5]! / w[4]!, Math.exp(1 / 4.5), 1e-12);
    const a = Int16Array.of(0, 3, 1, 4, 1, 5, 9, 2, 6, 5, 3);
    const b = Int16Array.of(0, 3, 1, 4, 2, 5, 8, 2, 6, 5, 3);
    close(ssim(a, b), 0.9686985929343737, 1e-12); // computed independently (Python, same formula)
  });

  test('SSIM averages sliding windows over channels', () => {
    const a = new Float64Array(40);
    for (let i = 0; i < 40; i++) a[i] = Math.sin(i / 3) * 100;
    const twoCh = new Float64Array(80);
    for (let i = 0; i < 40; i++) {
      twoCh[2 * i] = a[i]!;
      twoCh[2 * i + 1] = a[i]!;
    }
    const noisy = Float64Array.from(twoCh, (v, i) => (i % 2 ? v : v + (i % 7) - 3));
    const s = ssim(twoCh, noisy, 2);
    assert.ok(s < 1 && s > 0.5, `ssim ${s}`);
    // channel 1 is exact (1 per window), channel 0 alone gives s0: the mean is (s0 + 1) / 2
    const ch0 = Float64Array.from({ length: 40 }, (_, i) => noisy[2 * i]!);
    close(s, (ssim(a, ch0, 1, 200 * (Math.max(...a) - Math.min(...a)) / 200) + 1) / 2, 1e-9);
  });

  test('full-scale PSNR / SSIM match scikit-image 0.19.3 on x/32768 (the VQ-CAE paper\'s definitions)', () => {
    const a = Int16Array.from([0, 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, -7, 12, 30, -200, 150, 4, 4, 4, 9], (v) => v * 97);
    const b = Int16Array.from(a);
    b[4] += 300;
    b[6] -= 1000;
    b[15] += 2000;
    b[16] -= 50;
    // structural_similarity(a/32768., b/32768.) and peak_signal_noise_ratio(..., data_range=1.0)
    close(ssimFullScale(a, b, 1, 2 * 32768), 0.9128120945886806, 1e-12);
    close(psnr(a, b, fullScale(16, true)), 36.24998827911215, 1e-12);
    const f = fidelity(a, b, 1, { bits: 16, signed: true });
    close(f.psnrFullScale!, 36.24998827911215, 1e-12);
    close(f.ssimFullScale!, 0.9128120945886806, 1e-12);
    assert.equal(fullScale(8, false), 255);
    assert.equal(fidelity(a, b).psnrFullScale, undefined); // no scale given: not reported
  });
});
