# `make` builds the plugin's native library where `require("speakja")` finds it.
SO := $(if $(filter Darwin,$(shell uname -s)),dylib,so)
TARGET := $(or $(CARGO_TARGET_DIR),target)

.PHONY: build test voice demo
# Rename a fresh copy over the library: a running Neovim keeps its mapped file, which
# an in-place write would corrupt under it (SIGBUS on Linux, killed on macOS).
build:
	cargo build --release
	cp $(TARGET)/release/libspeakja.$(SO) lua/.speakja_native.so.tmp
	mv -f lua/.speakja_native.so.tmp lua/speakja_native.so

voice:
	scripts/fetch-voice

test: build voice
	cargo test --release
	python3 tests/fetch_model.py
	tests/nvim/run.sh

# The main job: fetch the voice, build, speak a sample.
demo: build voice
	$(TARGET)/release/speakja say "こんにちは。speakja の準備ができました。"
