#!/usr/bin/env python3
"""Writes a synthetic piazza site of N guides (and a few theses) for benchmarks.

    python3 bench/gen_site.py --pages 10000 --out /tmp/bench-site

Standard library only and deterministic: the same N gives the same site.
"""
import argparse
import random
from pathlib import Path

WORDS = ("cliente mercato social strategia budget contenuto canale ascolto risposta "
         "vetrina negozio quartiere recensione calendario misura obiettivo pubblico "
         "conversazione fiducia qualità tempo persone campagna messaggio").split()
TAGS = ["social media", "PMI", "strategia", "budget", "ascolto", "contenuti", "SEO locale", "customer care"]


def sentence(rng, n=12):
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = Path(args.out)
    (out / "content/guides").mkdir(parents=True, exist_ok=True)
    (out / "content/theses").mkdir(parents=True, exist_ok=True)
    (out / "config.yaml").write_text(
        'title: "Banco di prova"\nbase_url: "https://example.org"\nlanguage: it\n'
        'description: "Un sito sintetico per misurare piazza."\npaginate_by: 10\n')
    (out / "content/_index.md").write_text('---\ntitle: "Banco di prova"\n---\n')
    (out / "content/guides/_index.md").write_text('---\ntitle: "Guide"\nsort: date\n---\n')
    (out / "content/theses/_index.md").write_text('---\ntitle: "Tesi"\nsort: number\n---\n')
    for t in range(1, 11):
        (out / f"content/theses/{t:02}-tesi.md").write_text(
            f'---\ntitle: "Tesi {t}"\nnumber: {t}\ndescription: "La tesi numero {t}."\n---\n\n{sentence(random.Random(t))}\n')
    for i in range(args.pages):
        rng = random.Random(i)
        paras = []
        for s in range(rng.randint(8, 12)):
            paras.append(f"## {sentence(rng, 4)[:-1]}\n" if s % 4 == 0 else " ".join(sentence(rng) for _ in range(6)))
        if i % 5 == 0:
            paras.append("| voce | costo |\n|---|---:|\n| tempo | 100 |\n| persone | 200 |")
        paras.append("{{ thesis(%d) }}" % (1 + i % 10))
        if i > 0:
            paras.append(f"Vedi anche [la guida precedente](@/guides/guida-{i - 1:05}.md).")
        tags = ", ".join(f'"{t}"' for t in rng.sample(TAGS, 2))
        date = f"20{10 + i % 15:02}-{1 + i % 12:02}-{1 + i % 28:02}"
        (out / f"content/guides/guida-{i:05}.md").write_text(
            f'---\ntitle: "Guida {i}: {sentence(rng, 5)[:-1]}"\ndescription: "{sentence(rng)}"\n'
            f'date: {date}\ntags: [{tags}]\n---\n\n' + "\n\n".join(paras) + "\n")


if __name__ == "__main__":
    main()
