#!/usr/bin/env python3
"""Build tiny random NLLB-style models and HF reference outputs for tests/nllb_parity.rs.

Needs torch, transformers (5.x), tokenizers, safetensors. Writes, per model,
tests/fixtures/nllb/<name>/{config.json,tokenizer.json,model.safetensors,reference.json}.
Deterministic (fixed seeds); rerun after changing the port's conventions, not to make a
test pass.
"""
import json
import pathlib
import tempfile

import torch
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

ROOT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "nllb"
LANGS = ["eng_Latn", "fra_Latn", "deu_Latn", "jpn_Jpan", "zho_Hans", "spa_Latn"]
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello world, this is a small test of the translation engine.",
    "Neovim is a text editor; the terminal shows what the program prints.",
    "Bonjour le monde, ceci est un petit test.",
    "Le chat est sur la table et le chien dort.",
    "Numbers like 42 and 3.14 appear in code, too!",
    "Would you like some tea? Yes, please.",
]
SENTENCES = [
    "Hello world.",
    "The cat sat on the mat, quietly reading the terminal.",
    "tea?",
]
TOKENIZER_CASES = [
    ("Hello world.", "eng_Latn"),
    ("Le chat dort sur la table.", "fra_Latn"),
    ("trailing spaces   ", "eng_Latn"),
    ("  Leading  and   inner   spaces, qwxz ünïcödé 猫 !", "deu_Latn"),
    ("", "eng_Latn"),
]
MAX_NEW_TOKENS = 16

SHAPES = {
    # encoder heads ≠ decoder heads, different depths and FFN widths in each model.
    "tiny-a": dict(d_model=64, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
                   decoder_attention_heads=2, encoder_ffn_dim=128, decoder_ffn_dim=96, extra_vocab=2),
    "tiny-b": dict(d_model=32, encoder_layers=3, decoder_layers=1, encoder_attention_heads=2,
                   decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=48, extra_vocab=0),
}


def generated_rows(gen):
    """`generate` output as the Rust side returns it: no decoder start, cut after </s>.
    Also used by train_tiny_nllb.py."""
    rows = []
    for row in gen.tolist():
        row = row[1:]  # drop the decoder start token
        if 2 in row:
            row = row[: row.index(2) + 1]
        rows.append(row)
    return rows


def build_tokenizer(vocab_size, out_dir, corpus=CORPUS, extra_pieces=()):
    """A small BPE with NLLB's layout: <s> <pad> </s> <unk> = 0..3, pieces, language codes.
    `extra_pieces` follow the trained pieces (no merges reach them: they are only produced
    by a model, as a target script's pieces are). Also used by train_tiny_nllb.py."""
    tok = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                  show_progress=False)
    tok.train_from_iterator(corpus, trainer)
    model = json.loads(tok.to_str())["model"]
    for piece in extra_pieces:
        model["vocab"][piece] = len(model["vocab"])
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in model["merges"]]
    hf = NllbTokenizer(vocab=model["vocab"], merges=merges, extra_special_tokens=LANGS)
    with tempfile.TemporaryDirectory() as tmp:
        hf.save_pretrained(tmp)
        text = (pathlib.Path(tmp) / "tokenizer.json").read_text()
    (out_dir / "tokenizer.json").write_text(text)
    # Reload the way users do, from the saved file alone.
    return NllbTokenizer(tokenizer_file=str(out_dir / "tokenizer.json"), extra_special_tokens=LANGS)


def main():
    for seed, (name, shape) in enumerate(SHAPES.items()):
        torch.manual_seed(seed)
        out = ROOT / name
        out.mkdir(parents=True, exist_ok=True)
        tok = build_tokenizer(200 if name == "tiny-a" else 120, out)
        assert [tok.convert_tokens_to_ids(t) for t in ["<s>", "<pad>", "</s>", "<unk>"]] == [0, 1, 2, 3]
        shape = dict(shape)
        vocab = len(tok) + shape.pop("extra_vocab")
        cfg = M2M100Config(vocab_size=vocab, max_position_embeddings=64, scale_embedding=True,
                           activation_function="relu", dropout=0.0, attention_dropout=0.0,
                           activation_dropout=0.0, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                           decoder_start_token_id=2, init_std=0.4, **shape)
        model = M2M100ForConditionalGeneration(cfg).eval()
        with torch.no_grad():
            # Random models echo their input token forever; a smaller embedding lets the layers
            # matter, and a larger EOS row makes searches finish before the length limit.
            model.model.shared.weight.mul_(0.3)
            model.model.shared.weight[2] *= 2.6
        model.save_pretrained(out, safe_serialization=True)
        for extra in ["generation_config.json"]:
            (out / extra).unlink(missing_ok=True)

        ref = {"max_new_tokens": MAX_NEW_TOKENS, "tgt_lang": "jpn_Jpan", "tokenizer": [], "batch": SENTENCES}
        for text, src in TOKENIZER_CASES:
            tok.src_lang = src
            ref["tokenizer"].append({"text": text, "src_lang": src, "ids": tok(text)["input_ids"]})
        tok.src_lang = "eng_Latn"
        enc = tok(SENTENCES, padding=True, return_tensors="pt")
        assert tok.padding_side == "right"
        ref["input_ids"] = enc["input_ids"].tolist()
        tgt = tok.convert_tokens_to_ids("jpn_Jpan")
        with torch.no_grad():
            hidden = model.get_encoder()(**enc).last_hidden_state
            start = torch.full((len(SENTENCES), 1), 2)
            logits = model(**enc, decoder_input_ids=start).logits[:, 0, :]
            for key, beams, ngram in [("greedy", 1, 0), ("beam4", 4, 0), ("greedy_nr2", 1, 2), ("beam4_nr2", 4, 2)]:
                gen = model.generate(**enc, forced_bos_token_id=tgt, max_new_tokens=MAX_NEW_TOKENS,
                                     num_beams=beams, no_repeat_ngram_size=ngram, do_sample=False)
                rows = generated_rows(gen)
                ref[key] = rows
                ref[key + "_text"] = [tok.decode(r, skip_special_tokens=True) for r in rows]
        ref["encoder_hidden"] = hidden.tolist()
        ref["first_logits"] = logits.tolist()
        (out / "reference.json").write_text(json.dumps(ref))
        if name == "tiny-b":
            # The same weights as a pickled state dict, the format the official repo ships.
            pth = ROOT / "tiny-b-pth"
            pth.mkdir(exist_ok=True)
            for f in ["config.json", "tokenizer.json"]:
                (pth / f).write_text((out / f).read_text())
            torch.save(model.state_dict(), pth / "pytorch_model.bin")
        for key in ["greedy", "beam4", "greedy_nr2", "beam4_nr2"]:
            print(name, key, ref[key])


if __name__ == "__main__":
    main()
