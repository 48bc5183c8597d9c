# `make` builds the plugin's native library where `require("speakja")` finds it.
SO := $(if $(filter Darwin,$(shell uname -s)),dylib,so)

.PHONY: build test voice demo
build:
	cargo build --release
	cp target/release/libspeakja.$(SO) lua/speakja_native.so

voice:
	scripts/fetch-voice

test: build voice
	cargo test --release
	python3 tests/fetch_model.py
	tests/nvim/run.sh

# The main job: fetch the voice, build, speak a sample.
demo: build voice
	./target/release/speakja say "こんにちは。speakja の準備ができました。"
