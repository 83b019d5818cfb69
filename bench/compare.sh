#!/bin/sh
# Side-by-side measurements of this library and llama.cpp on the same files
# (synthetic models of Mistral 7B's exact shape), same threads, same build
# flags, in alternating rounds; prints the ratios and writes everything to
# bench/results/compare-DATE.txt with a description of the machine.
#
#   bench/compare.sh            # all of it (about two hours on 2 cores)
#   bench/compare.sh 7b         # only the 7B shape: pp512 and tg128
#   bench/compare.sh batch      # only batched decoding
#   bench/compare.sh long       # only long context (7B width, 4 layers)
#   OUT=file bench/compare.sh   # write the results to file instead
#
# llama.cpp comes from ../shared/tools/llamaref ($LLAMAREF, else /tmp/llamaref,
# built there when missing).
set -eu
cd "$(dirname "$0")/.."
export CGO_CFLAGS="-O3 -march=native" CGO_CXXFLAGS="-O3 -march=native"
LLAMAREF=${LLAMAREF:-/tmp/llamaref}
[ -x "$LLAMAREF" ] || ../shared/tools/llamaref/build.sh "$LLAMAREF"
export LLAMAREF
T=${THREADS:-2}
what=${1:-all}
mkdir -p bench/results
out=${OUT:-bench/results/compare-$(date -u +%Y-%m-%d)-$what.txt}
bin=$(mktemp -d)/bench
go build -o "$bin" ./bench

{
	echo "# Machine"
	lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|L3)' || true
	grep -o -w -E 'avx2|avx512f|fma|f16c' /proc/cpuinfo | sort -u | tr '\n' ' '; echo
	free -g | head -2
	go version
	"$bin" bandwidth -threads "$T"
	echo

	if [ "$what" = all ] || [ "$what" = 7b ]; then
		echo "# Mistral 7B shape: pp512 and tg128 (tg after the 512-token prompt), $T threads"
		"$bin" compare -types Q4_0,Q4_K_M,Q8_0 -p 512 -n 128 -rounds 2 -threads "$T"
		echo
	fi

	if [ "$what" = all ] || [ "$what" = batch ]; then
		echo "# Batched decoding: one session, then 4 sessions in one graph (generation tok/s in all), $T threads"
		for ty in Q4_0 Q4_K_M Q8_0; do
			"$bin" speed -types $ty -p 64 -n 32 -reps 2 -threads "$T" -no-bandwidth
			"$bin" speed -types $ty -p 64 -n 32 -reps 2 -threads "$T" -no-bandwidth -parallel 4
		done
		echo
	fi

	if [ "$what" = all ] || [ "$what" = long ]; then
		echo "# Long context: Mistral 7B width with 4 layers, window 4096, $T threads"
		echo "## generation at depth 16, 4096 and 16384; prefill of 16384 tokens"
		"$bin" compare -shape 7b-4layers -types Q4_0 -p 16 -n 64 -rounds 2 -threads "$T"
		"$bin" compare -shape 7b-4layers -types Q4_0 -p 4096 -n 64 -rounds 1 -threads "$T" -llama-warmup=false
		"$bin" compare -shape 7b-4layers -types Q4_0 -p 16384 -n 64 -rounds 1 -threads "$T" -llama-warmup=false
	fi
} 2>&1 | tee "$out"
echo "written: $out"
