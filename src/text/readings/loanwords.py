#!/usr/bin/env python3
"""Writes loanwords.txt, the English → katakana loanwords that loan.rs reads, from JMdict.

Source: JMdict (EDRDG; CC BY-SA, see LOANWORDS-LICENSE) as the SQLite file jamdict.db in the
PyPI package jamdict-data 1.5 (JMdict of 17 Apr 2021). Only words are taken, not names (JMnedict).

An entry is kept when it is written in katakana only (no kanji form), its sense comes from
English (no other language's lsource), and it glosses the English word by itself (one gloss
that is a single lowercase word, `to ` dropped from verbs, or the entry's English lsource).
A gloss is a meaning, not always the source word (`extract` is glossed on アブストラクト), so
the katakana must sound like the word: it is compared with the reading the phone mapping gives
(`readings.tsv`: word<TAB>`Readings::spoken(word)`, from the code before this list existed) and
with the word's consonants, and kept only when both are close and its length is not far off.
Of the entries alike in sound the nearest is taken (a common one, by JMdict's priority marks, when
near alike), and of its spellings the first, JMdict's commonest (チケット, not ティケット), or one
that differs from it only in small kana and is nearer the sound (ウェーブ for ウエーブ). A headword
that differs from the reading only in small kana is left to the reading (ライトウエート).

Usage: python3 loanwords.py jamdict.db candidates.txt        (the words to read, one a line)
       python3 loanwords.py jamdict.db readings.tsv > loanwords.txt
"""
import difflib
import re
import sqlite3
import sys
from collections import defaultdict

KATAKANA = re.compile(r"^[\u30a0-\u30ff]+$")
WORD = re.compile(r"^[a-z]+$")


def candidates(db):
    """word → [(katakana, has priority, order)] from JMdict's katakana-only English loanwords."""
    c = sqlite3.connect(db)
    kanji = {r[0] for r in c.execute("SELECT DISTINCT idseq FROM Kanji")}
    kana = defaultdict(list)
    for idseq, t in c.execute("SELECT idseq, text FROM Kana ORDER BY ID"):
        kana[idseq].append(t)
    entries = {i: v for i, v in kana.items() if i not in kanji and all(KATAKANA.match(x) for x in v)}
    priority = {r[0] for r in c.execute("SELECT DISTINCT k.idseq FROM KNP p JOIN Kana k ON k.ID = p.kid")}
    foreign, english = defaultdict(set), defaultdict(set)
    q = "SELECT s.idseq, ss.sid, ss.text, ss.lang, ss.wasei FROM SenseSource ss JOIN Sense s ON s.ID = ss.sid"
    for idseq, sid, text, lang, wasei in c.execute(q):
        if lang and lang != "eng":
            foreign[idseq].add(sid)
        elif text and wasei != "y":
            english[idseq].add(text.strip().lower())
    glosses = defaultdict(set)
    q = "SELECT s.idseq, g.sid, g.text FROM SenseGloss g JOIN Sense s ON s.ID = g.sid WHERE g.lang = 'eng' OR g.lang IS NULL"
    for idseq, sid, text in c.execute(q):
        if idseq in entries and sid not in foreign[idseq]:
            t = re.sub(r"\([^)]*\)", "", text).strip().lower()
            glosses[idseq].add(t[3:] if t.startswith("to ") else t)
    out = defaultdict(list)
    for idseq, forms in entries.items():
        forms = list(dict.fromkeys(f.replace("・", "") for f in forms))
        for word in {w for w in glosses[idseq] | english[idseq] if WORD.match(w)}:
            out[word] += [(f, idseq in priority, idseq * 10 + j) for j, f in enumerate(forms)]
    return out


KANA_CONSONANT = {}
for row, cls in [
    ("カキクケコガギグゲゴ", "K"), ("サシスセソザズゼゾ", "S"), ("ジヂ", "J"), ("タテトダデドツヅ", "T"), ("チ", "C"),
    ("ナニヌネノン", "N"), ("フ", "F"), ("バビブベボヴ", "B"), ("パピプペポ", "P"), ("マミムメモ", "M"), ("ラリルレロ", "R"),
]:
    for ch in row:
        KANA_CONSONANT[ch] = cls
LETTER_CONSONANT = dict(zip("bvpftdkcqgszjlrmnC", "BBPFTTKKKKSSJRRMNC"))


def consonants_alike(word, kana):
    """Whether the katakana's consonants are mostly the word's (h, w, y and a final r aside)."""
    w = re.sub(r"(.)\1", r"\1", word)
    w = re.sub(r"r(?![aeiouy])", "", w)
    w = w.replace("ph", "f").replace("tch", "C").replace("ch", "C").replace("sh", "s").replace("th", "s")
    w = w.replace("ck", "k").replace("x", "ks").replace("qu", "k")
    w = re.sub(r"c(?=[eiy])", "s", w)
    w = re.sub(r"g(?=[eiy])", "j", w)
    a = "".join(LETTER_CONSONANT.get(ch, "") for ch in w)
    b = "".join(KANA_CONSONANT.get(ch, "") for ch in kana)
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= 0.5


SMALL = str.maketrans("ァィゥェォヴヂヅ", "アイウエオブジズ")


def chosen(cands, readings):
    out = []
    for word, forms in cands.items():
        said = readings.get(word)
        if said is None or len(word) < 2:
            continue
        sim = lambda a, b: difflib.SequenceMatcher(None, a.translate(SMALL), b.translate(SMALL)).ratio()
        entries = defaultdict(list)
        for f in forms:
            entries[f[2] // 10].append(f)
        # Of the entries that sound like the word, a common one (JMdict's priority marks) first,
        # then the nearest; then its headword: JMdict lists an entry's spellings commonest first
        # (チケット before ティケット), but of those that differ only in small kana the one
        # nearest the word's sound.
        alike_entries = [e for e in entries.values() if max(sim(f[0], said) for f in e) >= 0.55]
        if not alike_entries:
            continue
        best = max(alike_entries, key=lambda e: (round(max(sim(f[0], said) for f in e), 1), e[0][1], -e[0][2]))
        head = best[0][0]
        alike = [f[0] for f in best if f[0].translate(SMALL) == head.translate(SMALL)]
        kana = max(alike, key=lambda f: difflib.SequenceMatcher(None, f, said).ratio())
        if kana != said and kana.translate(SMALL) == said.translate(SMALL) and kana == head:
            continue
        near = sim(kana, said) >= 0.5
        if near and 0.66 <= len(kana) / len(said) <= 1.5 and (kana == said or consonants_alike(word, kana)):
            out.append((word, kana))
    return sorted(out, key=lambda x: x[0].encode())


if __name__ == "__main__":
    cands = candidates(sys.argv[1])
    if sys.argv[2].endswith(".tsv"):
        readings = dict(line.rstrip("\n").split("\t") for line in open(sys.argv[2], encoding="utf-8"))
        sys.stdout.writelines(f"{w} {k}\n" for w, k in chosen(cands, readings))
    else:
        open(sys.argv[2], "w", encoding="utf-8").writelines(f"{w}\n" for w in sorted(cands))
