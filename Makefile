# `make` builds the plugin's native library where `require("speakja")` finds it.
SO := $(if $(filter Darwin,$(shell uname -s)),dylib,so)
TARGET := $(or $(CARGO_TARGET_DIR),target)
# The translator's GPU: Metal on every Mac; CUDA when asked (SPEAKJA_CUDA=1) or when nvcc
# is on PATH (SPEAKJA_CUDA=0 turns that off). Plain CPU elsewhere.
FEATURES := $(strip $(if $(filter Darwin,$(shell uname -s)),metal) \
	$(if $(filter 1,$(SPEAKJA_CUDA)),cuda,$(if $(filter 0,$(SPEAKJA_CUDA)),,$(if $(shell command -v nvcc 2>/dev/null),cuda))))
CARGO_FEATURES := $(if $(FEATURES), --features "$(FEATURES)")

.PHONY: build test voice demo
# Rename a fresh copy over the library: a running Neovim keeps its mapped file, which
# an in-place write would corrupt under it (SIGBUS on Linux, killed on macOS).
build:
	@scripts/check-deps
	cargo build --release$(CARGO_FEATURES)
	cp $(TARGET)/release/libspeakja.$(SO) lua/.speakja_native.so.tmp
	mv -f lua/.speakja_native.so.tmp lua/speakja_native.so

voice:
	scripts/fetch-voice

test: build voice
	cargo test --release
	# The portable code paths (Apple Silicon CPUs, and what Metal/CUDA run) on this x86 CPU.
	SPEAKJA_KERNELS=generic cargo test --release --test nllb_parity --test decode_pool
	SPEAKJA_KERNELS=generic cargo test --release --lib translate::
	python3 tests/fetch_scripts.py
	tests/nvim/run.sh

# The main job: fetch the voice, build, speak a sample.
demo: build voice
	$(TARGET)/release/speakja say "こんにちは。speakja の準備ができました。"
