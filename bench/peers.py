#!/usr/bin/env python3
"""Time HF transformers (fp32) and CTranslate2 (int8, fp32) on the NLLB-200 600M shape with
random weights: one sentence of 20 source tokens, exactly 24 decoder steps (the forced
language token included, EOS suppressed), 2 CPU threads. Same workload as `speakja bench`.

    python3 bench/peers.py [--workdir DIR] [--runs N]
    python3 bench/peers.py --checkpoint DIR   (only write the checkpoint, into DIR/hf)

Each engine runs in its own process so its peak RSS (VmHWM) is its own. Prints markdown
table rows: engine | load s | encoder ms | per step ms | total ms | peak RSS MB.
"""
import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time

THREADS = 2
SRC_TOKENS = 20
NEW_TOKENS = 24
LANG = 256047  # any id in the language-code range serves as source / forced target code
TGT = 256079


def shape_config():
    from transformers import M2M100Config

    return M2M100Config(vocab_size=256206, d_model=1024, encoder_layers=12, decoder_layers=12,
                        encoder_attention_heads=16, decoder_attention_heads=16, encoder_ffn_dim=4096,
                        decoder_ffn_dim=4096, max_position_embeddings=1024, scale_embedding=True,
                        activation_function="relu", dropout=0.0, attention_dropout=0.0,
                        activation_dropout=0.0, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                        decoder_start_token_id=2)


def source_ids():
    # Same ids as `speakja bench`: [lang] pieces </s>.
    return [LANG] + [1000 + (i * 7919) % 250_000 for i in range(SRC_TOKENS - 2)] + [2]


def prepare(work):
    """Random-weight HF checkpoint (+ a placeholder vocabulary for the CT2 converter)."""
    hf = work / "hf"
    if (hf / "config.json").exists():
        return hf
    import torch
    from transformers import M2M100ForConditionalGeneration, NllbTokenizer

    torch.manual_seed(0)
    model = M2M100ForConditionalGeneration(shape_config())
    model.save_pretrained(hf)
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    vocab.update({f"t{i}": i for i in range(4, 256204 - 202)})
    NllbTokenizer(vocab=vocab, merges=[]).save_pretrained(hf)
    return hf


def convert(hf, work, quantization):
    out = work / f"ct2-{quantization}"
    if not (out / "model.bin").exists():
        import ctranslate2

        ctranslate2.converters.TransformersConverter(str(hf)).convert(str(out), quantization=quantization, force=True)
    return out


def peak_rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def best_of(runs, fn):
    fn()  # warm-up
    return min((fn() for _ in range(runs)), key=lambda t: t[1])


def run_hf(path, runs):
    import torch
    from transformers import M2M100ForConditionalGeneration

    torch.set_num_threads(THREADS)
    t0 = time.perf_counter()
    model = M2M100ForConditionalGeneration.from_pretrained(path).eval()
    load = time.perf_counter() - t0
    ids = torch.tensor([source_ids()])

    def once():
        with torch.inference_mode():
            t0 = time.perf_counter()
            model.get_encoder()(input_ids=ids)
            enc = time.perf_counter() - t0
            t0 = time.perf_counter()
            out = model.generate(input_ids=ids, forced_bos_token_id=TGT, max_new_tokens=NEW_TOKENS,
                                 min_new_tokens=NEW_TOKENS, num_beams=1, do_sample=False)
            total = time.perf_counter() - t0
        assert out.shape[1] == NEW_TOKENS + 1, out.shape
        return enc, total

    return load, *best_of(runs, once)


def run_ct2(path, compute_type, runs):
    import ctranslate2

    t0 = time.perf_counter()
    tr = ctranslate2.Translator(str(path), device="cpu", compute_type=compute_type, inter_threads=1,
                                intra_threads=THREADS)
    load = time.perf_counter() - t0
    vocab = {i: t for i, t in enumerate(open(path / "shared_vocabulary.json").read().split('"')[1::2])}
    src = [vocab[i] for i in source_ids()]
    prefix = [vocab[TGT]]

    def translate(n):
        t0 = time.perf_counter()
        res = tr.translate_batch([src], target_prefix=[prefix], beam_size=1, max_decoding_length=n,
                                 min_decoding_length=n)
        return time.perf_counter() - t0, len(res[0].hypotheses[0])

    def once():
        first, _ = translate(1)  # CT2 has no separate encoder call: encoder + forced step
        total, n = translate(NEW_TOKENS)
        assert n == NEW_TOKENS, n
        return first, total

    return load, *best_of(runs, once)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", type=pathlib.Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engine", choices=["hf", "ct2-int8", "ct2-float32"])
    ap.add_argument("--path", type=pathlib.Path)
    ap.add_argument("--checkpoint", type=pathlib.Path, help="only write the random checkpoint here (bench/load.sh)")
    a = ap.parse_args()
    if a.checkpoint:
        prepare(a.checkpoint)
        return
    if a.engine:
        if a.engine == "hf":
            name, (load, enc, total) = "transformers fp32", run_hf(a.path, a.runs)
        else:
            ct = a.engine.split("-")[1]
            name, (load, enc, total) = f"CTranslate2 {ct} (enc = enc + 1st step)", run_ct2(a.path, ct, a.runs)
        step = (total - enc) / (NEW_TOKENS - (1 if a.engine != "hf" else 0)) * 1e3
        print(f"| {name} | {load:.1f} | {enc * 1e3:.0f} | {step:.1f} | {total * 1e3:.0f} | {peak_rss_mb():.0f} | – | – |",
              flush=True)
        return
    with tempfile.TemporaryDirectory(dir=a.workdir) as tmp:
        work = pathlib.Path(tmp)
        hf = prepare(work)
        paths = {"hf": hf, "ct2-int8": convert(hf, work, "int8"), "ct2-float32": convert(hf, work, "float32")}
        env = dict(os.environ, OMP_NUM_THREADS=str(THREADS))
        for engine, path in paths.items():
            subprocess.run([sys.executable, __file__, "--engine", engine, "--path", str(path), "--runs", str(a.runs)],
                           check=True, env=env)


if __name__ == "__main__":
    main()
