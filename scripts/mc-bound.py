#!/usr/bin/python3
"""An optimistic bound for linear prediction on a multichannel int16 recording (docs/lossless-results.md).

Per chunk and channel: least squares (in-sample, coefficients free) on the channel's own past P
samples and every other channel (current + Q-1 past samples of earlier channels, Q past samples of
later ones), then the zeroth-order empirical entropy of the rounded residual (a free, per-chunk
static table). No real coder reaches it; if it misses a goal, linear prediction cannot meet it.

  /usr/bin/python3 scripts/mc-bound.py FILE CHANNELS ROWS_PER_CHUNK [P Q [HEADER_BYTES]]
  /usr/bin/python3 scripts/mc-bound.py ../shared/data/ephys/locust_tridesclous/locust_trial_01.raw 4 32768 128 3
"""
import sys

import numpy as np


def entropy_bits(r):
    _, cnt = np.unique(r.astype(np.int64), return_counts=True)
    return float(-(cnt * np.log2(cnt / cnt.sum())).sum())


def main():
    path, c, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    P = int(sys.argv[4]) if len(sys.argv) > 4 else 32
    Q = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    header = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    raw = np.fromfile(path, dtype=np.uint8)[header:]
    x = raw[: len(raw) // (2 * c) * 2 * c].view("<i2").reshape(-1, c).astype(np.float64)
    bits = 0.0
    count = 0
    for r0 in range(0, len(x), rows):
        ch = x[r0 : r0 + rows]
        n = len(ch)
        s = P + Q + 1
        if n < 4 * s:
            continue
        for k in range(c):
            y = ch[s:, k]
            cols = [np.stack([ch[s - 1 - j : n - 1 - j, k] for j in range(P)], 1)]
            for j in range(c):
                if j == k or Q == 0:
                    continue
                off = 0 if j < k else 1
                cols.append(np.stack([ch[s - t - off : n - t - off, j] for t in range(Q)], 1))
            X = np.concatenate(cols, 1)
            a = np.linalg.lstsq(X, y, rcond=None)[0]
            bits += entropy_bits(np.round(y - X @ a))
            count += len(y)
    bps = bits / count
    print(f"P={P} Q={Q}: {bps:.4f} bits/sample, ratio bound {16 / bps:.4f} (samples only)")


if __name__ == "__main__":
    main()
