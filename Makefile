# `make` builds the plugin's native library where `require("speakja")` finds it.
SO := $(if $(filter Darwin,$(shell uname -s)),dylib,so)
TARGET := $(or $(CARGO_TARGET_DIR),target)
# The translator's GPU: Metal on every Mac; CUDA when asked (SPEAKJA_CUDA=1) or when nvcc
# is on PATH (SPEAKJA_CUDA=0 turns that off). Plain CPU elsewhere.
FEATURES := $(strip $(if $(filter Darwin,$(shell uname -s)),metal) \
	$(if $(filter 1,$(SPEAKJA_CUDA)),cuda,$(if $(filter 0,$(SPEAKJA_CUDA)),,$(if $(shell command -v nvcc 2>/dev/null),cuda))))
CARGO_FEATURES := $(if $(FEATURES), --features "$(FEATURES)")
# The cargo that builds (tests/install_script.py puts a stand-in here). Not CARGO: cargo sets
# that in the environment of everything it runs.
SPEAKJA_CARGO ?= cargo

.PHONY: build native install test voice demo
# A GPU build that fails (no Metal toolchain, a CUDA toolkit cargo cannot use) is built again
# for the CPU: the plugin works, only slower. The reason is printed and kept in
# lua/speakja_native.build for :checkhealth (`native` writes it):
#   source=build              features=LIST (the cargo features the library has; empty: CPU)
#   gpu_failed=LIST           why=CARGO'S FIRST ERROR LINE          retry=COMMAND
# (the last three only after such a fallback). scripts/install writes source=release, version=,
# target= and features= instead.
build:
	@scripts/check-deps
ifeq ($(FEATURES),)
	@$(MAKE) --no-print-directory native
else
	@log=$$(mktemp "$${TMPDIR:-/tmp}/speakja-build.XXXXXX"); \
	{ $(MAKE) --no-print-directory native 2>&1; echo $$? >"$$log.rc"; } | tee "$$log"; \
	rc=$$(cat "$$log.rc"); \
	if [ "$$rc" != 0 ]; then \
	  why=$$(grep -m1 '^error' "$$log" | cut -c1-300); \
	  echo "speakja: the $(FEATURES) build failed ($${why:-see above}); building for the CPU instead (the translator runs on the CPU; see :checkhealth speakja)" >&2; \
	  SPEAKJA_GPU_WHY="$$why" $(MAKE) --no-print-directory native FEATURES= GPU_FAILED="$(FEATURES)" && rc=0; \
	fi; \
	rm -f "$$log" "$$log.rc"; exit $$rc
endif

# Rename a fresh copy over the library: a running Neovim keeps its mapped file, which
# an in-place write would corrupt under it (SIGBUS on Linux, killed on macOS).
native:
	$(SPEAKJA_CARGO) build --release$(CARGO_FEATURES)
	cp $(TARGET)/release/libspeakja.$(SO) lua/.speakja_native.so.tmp
	mv -f lua/.speakja_native.so.tmp lua/speakja_native.so
	@{ echo "# where lua/speakja_native.so came from (make build)"; echo "source=build"; echo "features=$(FEATURES)"; \
	  $(if $(GPU_FAILED),echo "gpu_failed=$(GPU_FAILED)"; printf 'why=%s\n' "$$SPEAKJA_GPU_WHY"; \
	  echo "retry=$(if $(filter cuda,$(GPU_FAILED)),SPEAKJA_CUDA=1 )make build";) \
	} >lua/.speakja_native.build.tmp && mv -f lua/.speakja_native.build.tmp lua/speakja_native.build

# What build.lua (lazy.nvim) runs: the release's prebuilt library for this machine when the
# plugin is at a release tag, else `make build` (scripts/install says which); then the voice.
install:
	scripts/install
	scripts/fetch-voice

voice:
	scripts/fetch-voice

test: build voice
	cargo test --release
	# The portable code paths (Apple Silicon CPUs, and what Metal/CUDA run) on this x86 CPU.
	SPEAKJA_KERNELS=generic cargo test --release --test nllb_parity --test decode_pool
	SPEAKJA_KERNELS=generic cargo test --release --lib translate::
	python3 tests/fetch_scripts.py
	python3 tests/install_script.py
	tests/nvim/run.sh

# The main job: the library (prebuilt at a release, else built), the voice, a sample spoken
# by the plugin in headless Neovim.
demo: install
	@command -v nvim >/dev/null || { echo "make demo: needs nvim (Neovim 0.11 or newer) on PATH" >&2; exit 1; }
	nvim --headless -u NONE -i NONE -l scripts/demo.lua
