#!/bin/sh
# Builds bench/engine_bench.swift against GlassboxEngine and the GlassboxModels layers in -O
# (standalone swiftc, so swift-crypto is not needed) and runs it. Arguments: model names
# (default: cnn-max-b cnn-do allconv cnn-stride mlp-a). OPENBLAS_NUM_THREADS is honoured;
# BENCH_REPEATS (default 7) sets the timed repetitions; BENCH_SHAPES=1 also times sgemm alone at
# the CNN-MAX-B layer shapes. The machine is shared: compare runs made back to back, and trust the
# main-thread CPU column more than wall time when the load average is high.
set -e
cd "$(dirname "$0")/.."
out=.build/engine-bench
mkdir -p "$out"
swiftc -O -wmo -parse-as-library -module-name GlassboxEngine -emit-module -emit-module-path "$out/GlassboxEngine.swiftmodule" \
    -emit-library -static -o "$out/libGlassboxEngine.a" -I Sources/COpenBLAS Sources/GlassboxEngine/*.swift
swiftc -O -wmo -module-name EngineBench -parse-as-library -I "$out" -I Sources/COpenBLAS -L "$out" -lGlassboxEngine -lopenblas \
    -o "$out/engine_bench" bench/engine_bench.swift Sources/GlassboxModels/Layers/*.swift Sources/GlassboxModels/Parameter.swift
exec "$out/engine_bench" "$@"
