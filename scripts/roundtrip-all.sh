#!/usr/bin/env bash
# Round-trips every recording in ../shared/data (all N1 WAVs and every ephys file) through
# `neurozip compress` and `decompress`, and checks the restored files byte for byte.
# Usage: scripts/roundtrip-all.sh [--level fast|default|max]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="$root/../shared/data"
nz="node $root/dist/src/cli/main.js"
[ -d "$data" ] || { echo "roundtrip-all: $data is absent" >&2; exit 1; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/nzp" "$work/out"
fail=0; n=0; raw=0; comp=0

check() { # name, original file, extra compress flags...
  local name="$1" orig="$2"; shift 2
  $nz compress -q "$@" -o "$work/nzp/$name.nzp" "$work/in/$name" || { echo "FAIL compress $name"; fail=1; return; }
  $nz decompress -q -o "$work/out/$name" "$work/nzp/$name.nzp" || { echo "FAIL decompress $name"; fail=1; return; }
  if cmp -s "$orig" "$work/out/$name"; then
    n=$((n + 1)); raw=$((raw + $(stat -c %s "$orig"))); comp=$((comp + $(stat -c %s "$work/nzp/$name.nzp")))
  else echo "FAIL differs $name"; fail=1; fi
}

level=("$@")
for f in "$data"/n1/*.wav; do ln -s "$f" "$work/in/$(basename "$f")"; check "$(basename "$f")" "$f" "${level[@]}"; done
echo "n1: $n files restored byte for byte"
link() { ln -sf "$1" "$work/in/$2"; }
for b in "$data"/ephys/spikeglx_*/*.bin; do
  name="$(basename "$b")"; link "$b" "$name"; link "${b%.bin}.meta" "${name%.bin}.meta"
  check "$name" "$b" "${level[@]}"
  cmp -s "${b%.bin}.meta" "$work/out/${name%.bin}.meta" || { echo "FAIL meta $name"; fail=1; }
done
ob="$data/ephys/openephys_binary"
link "$ob/v0.4.4.1_cinpla_32ch/Rhythm_FPGA-100.0/continuous.dat" oe32.dat; check oe32.dat "$ob/v0.4.4.1_cinpla_32ch/Rhythm_FPGA-100.0/continuous.dat" --channels 32 --sample-rate 30000 "${level[@]}"
link "$ob/np_lfp_384ch/Neuropix-PXI-116.1/continuous.dat" oe384.dat; check oe384.dat "$ob/np_lfp_384ch/Neuropix-PXI-116.1/continuous.dat" --channels 384 --sample-rate 2500 "${level[@]}"
link "$ob/mixed_6ch/Rhythm_FPGA-100.0/continuous.dat" oe6.dat; check oe6.dat "$ob/mixed_6ch/Rhythm_FPGA-100.0/continuous.dat" --channels 6 --sample-rate 30000 "${level[@]}"
for r in "$data"/ephys/locust_tridesclous/*.raw; do link "$r" "$(basename "$r")"; check "$(basename "$r")" "$r" --channels 4 --sample-rate 15000 "${level[@]}"; done
wm="$data/ephys/whitematter_hs64/HSW_2024_12_12__10_28_23__70min_17sec__hsamp_64ch_25000sps_stub.bin"
link "$wm" wm64.bin; check wm64.bin "$wm" --channels 64 --offset 8 --sample-rate 25000 "${level[@]}"
echo "total: $n files restored byte for byte, $raw -> $comp bytes ($(python3 -c "print(round($raw/$comp,3))")x)"
exit $fail
