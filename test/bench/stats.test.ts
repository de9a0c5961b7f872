import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { moments, signalStats, spectralEntropy, spectrogram, welch } from '../../src/bench/stats.js';
import { rng } from '../kit/signals.js';

const close = (a: number, b: number, eps: number, what = '') => assert.ok(Math.abs(a - b) <= eps, `${what} ${a} != ${b}`);

describe('signal statistics', () => {
  test('moments of 1 2 3 4 10', () => {
    const m = moments(Float64Array.of(1, 2, 3, 4, 10));
    // deviations -3 -2 -1 0 6: m2 = 10, m3 = 36, m4 = 278.8
    assert.equal(m.mean, 4);
    assert.equal(m.median, 3);
    close(m.std, Math.sqrt(10), 1e-12);
    close(m.skewness, 36 / 10 ** 1.5, 1e-12);
    close(m.kurtosis, 278.8 / 100 - 3, 1e-12);
    assert.equal(m.distinct, 5);
    assert.equal(moments(Float64Array.of(2, 2, 5, 5)).median, 3.5);
    assert.equal(moments(Float64Array.of(2, 2, 5, 5)).distinct, 2);
  });

  test('spectral entropy of hand-made spectra', () => {
    assert.equal(spectralEntropy(Float64Array.of(1, 1, 1, 1)), 1);
    assert.equal(spectralEntropy(Float64Array.of(3, 0, 0, 0)), 0);
    assert.equal(spectralEntropy(Float64Array.of(1, 1, 0, 0)), 0.5); // log2 2 / log2 4
  });

  test('Welch PSD of a sine: peak at its frequency, Parseval power A^2/2', () => {
    const fs = 1024;
    const x = new Float64Array(8192);
    for (let i = 0; i < x.length; i++) x[i] = 3 * Math.sin((2 * Math.PI * 128 * i) / fs);
    const { freqHz, psd } = welch(x, fs, 256);
    let best = 0;
    for (let k = 1; k < psd.length; k++) if (psd[k]! > psd[best]!) best = k;
    assert.equal(freqHz[best], 128);
    const df = freqHz[1]! - freqHz[0]!;
    const power = psd.reduce((s, v) => s + v, 0) * df;
    close(power, 4.5, 4.5 * 0.02, 'power');
    assert.ok(spectralEntropy(psd) < 0.2);
  });

  test('white noise has a flat spectrum (entropy near 1)', () => {
    const r = rng(7);
    const x = Float64Array.from({ length: 32768 }, () => r() - 0.5);
    const { psd } = welch(x, 20000);
    assert.ok(spectralEntropy(psd) > 0.95);
    // variance 1/12 spread over 0..fs/2
    close(psd.reduce((s, v) => s + v, 0) * (20000 / 1024), 1 / 12, 0.01);
  });

  test('spectrogram follows a frequency step', () => {
    const fs = 8000;
    const x = new Float64Array(16000);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin((2 * Math.PI * (i < 8000 ? 500 : 2000) * i) / fs);
    const s = spectrogram(x, fs, 256, 20);
    assert.equal(s.frames, 20);
    const peak = (f: number) => {
      let b = 0;
      for (let k = 0; k < s.bins; k++) if (s.db[f * s.bins + k]! > s.db[f * s.bins + b]!) b = k;
      return s.freqHz[b];
    };
    assert.equal(peak(0), 500);
    assert.equal(peak(19), 2000);
    assert.ok(s.timesS[19]! > 1.9);
  });

  test('signalStats over interleaved channels', () => {
    const x = Int16Array.of(1, 100, 2, 100, 3, 100, 4, 100);
    const st = signalStats(x, 2, 1000);
    assert.equal(st.nSamples, 4);
    assert.equal(st.channels[0]!.mean, 2.5);
    assert.equal(st.channels[1]!.std, 0);
    assert.equal(st.overall.distinct, 5);
  });
});
