#!/usr/bin/env python3
"""Writes names.txt, katakana for parts of package names that no dictionary has, from e2k.

e2k 0.8.1 (PyPI; public domain, see E2K-LICENSE) holds small models trained on how Japanese writes
loanwords; its "turbo" C2K model reads a spelling as katakana (greedy decoding, e2k's own code).

Names: PyPI's 15,000 most downloaded packages and npm's packages with 20,000 or more downloads a
month (package lists of one day late in 2026, name<TAB>... files with those columns). A name is cut
into parts at everything but letters and at lower→upper case changes; a part is kept when it has
three letters or more, a vowel, and is in none of words.txt, cmudict.txt and loanwords.txt
(`python3 names.py parts pypi.tsv npm.tsv > parts.txt`).

Of those, only the parts that the readings reach no other way (not a compound of known words,
not a known word with an ending) and that e2k reads unlike the spelling rules are kept: the list
of them (`fallback.txt`) came from `Readings::spoken` of each part with and without this step,
which differ exactly there. `python3 names.py read fallback.txt > names.txt` writes the list.
"""
import re
import sys

HERE = __file__.rsplit("/", 1)[0] + "/" if "/" in __file__ else ""


def parts(pypi, npm):
    known = set()
    for f in ("cmudict.txt", "loanwords.txt"):
        known |= {line.split(" ", 1)[0] for line in open(HERE + f, encoding="utf-8")}
    for line in open(HERE + "words.txt", encoding="utf-8"):
        if not line.startswith("#") and " " in line:
            known.add(line.split(" ", 1)[0].lower())
    names = []
    for i, line in enumerate(open(pypi, encoding="utf-8")):
        f = line.rstrip("\n").split("\t")
        if i and len(f) > 3 and f[3]:  # rank among the 15,000 most downloaded
            names.append(f[0])
    for i, line in enumerate(open(npm, encoding="utf-8")):
        f = line.rstrip("\n").split("\t")
        if i and len(f) > 2 and f[2].isdigit() and int(f[2]) >= 20000:  # downloads a month
            names.append(f[0])
    out = set()
    for n in names:
        for p in re.split(r"[^A-Za-z]+|(?<=[a-z])(?=[A-Z])", n):
            p = p.lower()
            if len(p) >= 3 and re.search("[aeiouy]", p) and p not in known:
                out.add(p)
    return sorted(out)


def read(words):
    from e2k import C2K

    c2k = C2K(model="turbo")
    out = [(w, c2k(w)) for w in words]
    return sorted(((w, k) for w, k in out if k), key=lambda x: x[0].encode())


if __name__ == "__main__":
    if sys.argv[1] == "parts":
        sys.stdout.writelines(f"{p}\n" for p in parts(sys.argv[2], sys.argv[3]))
    else:
        words = [line.strip() for line in open(sys.argv[2], encoding="utf-8") if line.strip()]
        sys.stdout.writelines(f"{w} {k}\n" for w, k in read(words))
