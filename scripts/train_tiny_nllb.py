#!/usr/bin/env python3
"""Train a tiny NLLB-style model on a toy task and write tests/fixtures/nllb/trained/.

Result of the committed run (transformers 5.24.0, torch 2.15.0, 1 CPU thread): vocabulary
4,797 (2,390 BPE pieces incl. <s> <pad> </s> <unk>, then 2,400 Japanese pieces, then
<mask> = 4790, eng_Latn = 4791 ... jpn_Jpan = 4794 ... spa_Latn = 4796); d_model 64, 2 encoder
+ 2 decoder layers, 4 + 4 heads, FFN 128 + 128, tied embeddings, scale_embedding; 4,500
steps of 64 sentences, label smoothing 0.1 (as NLLB), 707 s on one shared core. Greedy
accuracy (whole sequence / token): training sentences 1.000 / 1.0000, the 300 held-out
sentences 1.000 / 1.000. Mean max-softmax probability over the held-out greedy steps 0.894
(label smoothing caps it near 0.90), min 0.74; smallest top-1 minus top-2 logit 5.9.

Random tiny models (scripts/make_nllb_fixtures.py) have near-flat output distributions, so
they cannot show what 8-bit weights do to a real model. This one is trained until its greedy
output is right on held-out inputs, so its distributions are peaked like a trained model's.

The toy "translation" from eng_Latn to jpn_Jpan: the source is a sentence of pseudo-words;
the target is `jpn_Jpan`, then every source subword id mapped through one fixed random
injection into the Japanese pieces (hiragana, katakana, kanji, some with `▁` or Japanese
punctuation), then `</s>`. No merge produces those pieces, as in a real vocabulary the
English side never does: they only come out of the model. So the target-language output
vocabulary (`translator.vocab = "target"`: Japanese-script pieces, the source's pieces,
specials) holds every correct output, and the Latin rows it leaves out are real rows the
full vocabulary scores. Output ids lie above 2,390, so all of the embedding / output
projection matters, not only its first row blocks.

Needs torch, transformers (5.x), tokenizers, safetensors; no downloads. Single-threaded and
deterministic (fixed seeds, fixed step count); floating-point details of another CPU may give
slightly different weights, but reference.json is always computed from the written weights.

Writes tests/fixtures/nllb/trained/{config.json,tokenizer.json,model.safetensors,reference.json}.
reference.json: `batch` (300 held-out source texts, src_lang eng_Latn), `input_ids` (that batch
tokenized by HF, right-padded with <pad>=1), `target` (the task's correct output ids),
`greedy` (HF greedy ids, beams 1, forced_bos jpn_Jpan, decoder start dropped, cut after </s>),
`greedy_text`, `greedy_min_margin` (per row, the smallest top-1 minus top-2 logit over the
unforced greedy steps), `beam4` / `beam4_text` (num_beams 4, for the first `beam4_count`
sources), plus `tokenizer` cases as in the random fixtures.
"""
import json
import pathlib
import random
import time

import torch
import torch.nn.functional as F
from transformers import M2M100Config, M2M100ForConditionalGeneration

import make_nllb_fixtures  # the tokenizer layout (this folder is first on sys.path)

torch.set_num_threads(1)

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "nllb" / "trained"
LANGS = make_nllb_fixtures.LANGS
SRC, TGT = "eng_Latn", "jpn_Jpan"
SEED = 1234
BPE_VOCAB = 2390  # trained pieces, then N_JAPANESE, <mask> and 6 language codes
N_JAPANESE = 2400  # target-script pieces, one for each source piece
N_WORDS = 3000
N_HELDOUT = 300
N_BEAM = 30
MAX_NEW_TOKENS = 24
MAX_PIECES_TRAIN = 20
MAX_PIECES_HELDOUT = 18
STEPS = 4500
BATCH = 64
LR = 3e-3
WARMUP = 300
LABEL_SMOOTHING = 0.1
SHAPE = dict(d_model=64, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
             decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128)
TOKENIZER_CASES = [
    ("bado kelu", SRC),
    ("  trailing and   inner spaces  ", SRC),
    ("Capitals, digits 42 and ünïcödé 猫 are unknown!", "fra_Latn"),
    ("", SRC),
]

ONSETS = list("bdfghjklmnprstvwyz") + ["ch", "sh", "th", "tr", "st", "pl", "kr"]
VOWELS = list("aeiou") + ["ai", "ou", "ea"]
CODAS = ["", "", "", "n", "r", "s", "l", "t", "k"]


def pseudo_words(rng):
    words, seen = [], set()
    while len(words) < N_WORDS:
        w = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                    for _ in range(rng.choice([1, 2, 2, 2, 3])))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def build_tokenizer(words, rng):
    """NLLB's layout as in make_nllb_fixtures.py: <s> <pad> </s> <unk> = 0..3, BPE pieces,
    <mask>, language codes; Metaspace pre-tokenizer; saved by HF's NllbTokenizer."""
    corpus = []
    for i, w in enumerate(words):  # Zipf-like counts, so frequent words become one piece
        corpus += [w] * (4 + int(200 / (1 + i / 50)))
    rng.shuffle(corpus)
    lines = [" ".join(corpus[i:i + 10]) for i in range(0, len(corpus), 10)]
    tok = make_nllb_fixtures.build_tokenizer(BPE_VOCAB, OUT, lines, japanese_pieces(rng))
    # pieces, then <mask> and the language codes
    assert len(tok) - len(LANGS) - 1 == BPE_VOCAB + N_JAPANESE
    return tok


def japanese_pieces(rng):
    """Pieces in the target's scripts, as NLLB's vocabulary has them: hiragana and katakana
    pairs, kanji, some with the word-start marker, a few with Japanese punctuation."""
    hira = [chr(c) for c in range(0x3041, 0x3097)]
    kata = [chr(c) for c in range(0x30A1, 0x30FB)]
    kanji = [chr(c) for c in range(0x4E00, 0x4E00 + 600)]
    pieces, seen = [], set()
    while len(pieces) < N_JAPANESE:
        kind = rng.random()
        if kind < 0.35:
            p = rng.choice(hira) + rng.choice(hira)
        elif kind < 0.7:
            p = rng.choice(kata) + rng.choice(kata)
        elif kind < 0.95:
            p = rng.choice(kanji) + rng.choice(["", rng.choice(kanji), rng.choice(hira)])
        else:
            p = rng.choice(kanji) + rng.choice(["。", "、", "「", "」"])
        if rng.random() < 0.3:
            p = "▁" + p
        if p not in seen:
            seen.add(p)
            pieces.append(p)
    return pieces


class Task:
    def __init__(self, tok, words, rng):
        self.tok, self.words, self.rng = tok, words, rng
        self.src_id = tok.convert_tokens_to_ids(SRC)
        self.tgt_id = tok.convert_tokens_to_ids(TGT)
        self.pieces = {w: tok(w, add_special_tokens=False)["input_ids"] for w in words}
        # One fixed injection of the trained (Latin) pieces, ids 4..BPE_VOCAB-1, into the
        # Japanese pieces that follow them.
        ids = list(range(4, BPE_VOCAB))
        image = list(range(BPE_VOCAB, BPE_VOCAB + N_JAPANESE))
        rng.shuffle(image)
        self.map = dict(zip(ids, image))

    def sentence(self, max_pieces):
        while True:
            ws = [self.rng.choice(self.words) for _ in range(self.rng.randint(2, 9))]
            n = sum(len(self.pieces[w]) for w in ws)
            if n <= max_pieces:
                return " ".join(ws), [p for w in ws for p in self.pieces[w]]

    def target(self, pieces):
        return [self.tgt_id] + [self.map[p] for p in pieces] + [2]


def pad(rows, value):
    n = max(len(r) for r in rows)
    return torch.tensor([r + [value] * (n - len(r)) for r in rows])


greedy_rows = make_nllb_fixtures.generated_rows


def encode(tok, texts):
    tok.src_lang = SRC
    enc = tok(texts, padding=True, return_tensors="pt")
    assert tok.padding_side == "right"
    return enc


def generate(model, tok, texts, beams, **kw):
    enc = encode(tok, texts)
    with torch.no_grad():
        return model.generate(**enc, forced_bos_token_id=tok.convert_tokens_to_ids(TGT),
                              max_new_tokens=MAX_NEW_TOKENS, num_beams=beams, no_repeat_ngram_size=0,
                              do_sample=False, **kw)


def accuracy(model, tok, task, texts, pieces):
    got = greedy_rows(generate(model, tok, texts, 1))
    want = [task.target(p) for p in pieces]
    seq = sum(g == w for g, w in zip(got, want)) / len(want)
    tok_ok = sum(sum(a == b for a, b in zip(g, w)) for g, w in zip(got, want))
    return seq, tok_ok / sum(len(w) for w in want)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    words = pseudo_words(rng)
    tok = build_tokenizer(words, rng)
    assert [tok.convert_tokens_to_ids(t) for t in ["<s>", "<pad>", "</s>", "<unk>"]] == [0, 1, 2, 3]
    task = Task(tok, words, rng)
    # HF's tokenization of a sentence is its words' pieces (Metaspace splits on spaces).
    text, pieces = task.sentence(MAX_PIECES_HELDOUT)
    assert tok(text, add_special_tokens=False)["input_ids"] == pieces

    heldout, seen = [], set()
    while len(heldout) < N_HELDOUT:
        text, pieces = task.sentence(MAX_PIECES_HELDOUT)
        if text not in seen:
            seen.add(text)
            heldout.append((text, pieces))

    vocab = len(tok)
    cfg = M2M100Config(vocab_size=vocab, max_position_embeddings=64, scale_embedding=True,
                       activation_function="relu", dropout=0.0, attention_dropout=0.0,
                       activation_dropout=0.0, encoder_layerdrop=0.0, decoder_layerdrop=0.0,
                       pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
                       tie_word_embeddings=True, **SHAPE)
    model = M2M100ForConditionalGeneration(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.98), weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / WARMUP) * 0.5 * (1 + torch.cos(torch.tensor(s / STEPS * torch.pi)).item()))
    start = time.time()
    model.train()
    for step in range(STEPS):
        batch = []
        while len(batch) < BATCH:
            text, pieces = task.sentence(MAX_PIECES_TRAIN)
            if text not in seen:
                batch.append(pieces)
        src = pad([[task.src_id] + p + [2] for p in batch], 1)
        targets = [task.target(p) for p in batch]
        labels = pad(targets, -100)
        dec = pad([[2] + t[:-1] for t in targets], 1)  # HF's shift_tokens_right
        out = model(input_ids=src, attention_mask=(src != 1).long(), decoder_input_ids=dec)
        # Label smoothing 0.1 as in NLLB's training; it bounds the logit margins as there.
        loss = F.cross_entropy(out.logits.flatten(0, 1), labels.flatten(), ignore_index=-100,
                               label_smoothing=LABEL_SMOOTHING)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 250 == 0 or step == STEPS - 1:
            with torch.no_grad():
                pred = out.logits.argmax(-1)
                mask = labels != -100
                acc = ((pred == labels) & mask).sum().item() / mask.sum().item()
            print(f"step {step:5d} loss {loss.item():.4f} tf-acc {acc:.4f} {time.time() - start:6.0f}s",
                  flush=True)
    train_time = time.time() - start
    model.eval()

    train_set = [task.sentence(MAX_PIECES_HELDOUT) for _ in range(N_HELDOUT)]
    train_acc = accuracy(model, tok, task, [t for t, _ in train_set], [p for _, p in train_set])
    held_acc = accuracy(model, tok, task, [t for t, _ in heldout], [p for _, p in heldout])
    print(f"trained {STEPS} steps in {train_time:.0f}s; greedy seq/token accuracy: "
          f"train {train_acc[0]:.3f}/{train_acc[1]:.4f}, held-out {held_acc[0]:.3f}/{held_acc[1]:.4f}")

    model.save_pretrained(OUT, safe_serialization=True)
    (OUT / "generation_config.json").unlink(missing_ok=True)
    # Reload what was written and compute the references from it.
    model = M2M100ForConditionalGeneration.from_pretrained(OUT, dtype=torch.float32).eval()

    texts = [t for t, _ in heldout]
    ref = {"max_new_tokens": MAX_NEW_TOKENS, "src_lang": SRC, "tgt_lang": TGT, "tokenizer": []}
    for text, src in TOKENIZER_CASES:
        tok.src_lang = src
        ref["tokenizer"].append({"text": text, "src_lang": src, "ids": tok(text)["input_ids"]})
    ref["batch"] = texts
    ref["input_ids"] = encode(tok, texts)["input_ids"].tolist()
    ref["target"] = [task.target(p) for _, p in heldout]
    gen = generate(model, tok, texts, 1, return_dict_in_generate=True, output_logits=True)
    greedy = greedy_rows(gen.sequences)
    logits = torch.stack(gen.logits, 1)[:, 1:]  # (batch, steps, vocab); step 0 is forced
    top = logits.topk(2, -1).values
    margin = top[..., 0] - top[..., 1]
    maxp = logits.softmax(-1).max(-1).values
    margins, probs = [], []
    for i, row in enumerate(greedy):
        n = len(row) - 1  # unforced steps of this row, its </s> included
        margins.append(round(margin[i, :n].min().item(), 3))
        probs += maxp[i, :n].tolist()
    ref["greedy"] = greedy
    ref["greedy_text"] = [tok.decode(r, skip_special_tokens=True) for r in greedy]
    ref["greedy_min_margin"] = margins
    ref["beam4_count"] = N_BEAM
    beam = greedy_rows(generate(model, tok, texts[:N_BEAM], 4))
    ref["beam4"] = beam
    ref["beam4_text"] = [tok.decode(r, skip_special_tokens=True) for r in beam]
    (OUT / "reference.json").write_text(json.dumps(ref, separators=(",", ":")))

    # Each row alone must give what the padded batch gave.
    alone = sum(greedy_rows(generate(model, tok, [t], 1))[0] != g for t, g in zip(texts, greedy))
    ref_acc = sum(g == w for g, w in zip(greedy, ref["target"])) / N_HELDOUT
    used = {t for r in greedy for t in r}
    print(f"vocab {vocab}; reference greedy seq accuracy {ref_acc:.3f}; rows differing alone {alone}; "
          f"beam4 == greedy {sum(b == g for b, g in zip(beam, greedy))}/{N_BEAM}")
    print(f"greedy max-softmax prob: mean {sum(probs) / len(probs):.4f}, min {min(probs):.4f}; "
          f"min margin {min(margins):.3f}; distinct output ids {len(used)}, above 2048: "
          f"{sum(t > 2048 for t in used)}")


if __name__ == "__main__":
    main()
