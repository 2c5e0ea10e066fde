# Training benchmark; include from the top-level Makefile (`include bench/train.mk`).
# `make bench-train` builds the release CLI and runs bench/train_bench (20 batches of 100);
# override with `make bench-train BENCH_BATCHES=50 BENCH_BATCH_SIZE=64`.
BENCH_BATCHES ?= 20
BENCH_BATCH_SIZE ?= 100

.PHONY: bench-train
bench-train:
	bench/train_bench $(BENCH_BATCHES) $(BENCH_BATCH_SIZE)
