"""``python -m nnc``: replay the five chapters and set every book number beside nnc's.

    python -m nnc                 run every walkthrough, print the table
    python -m nnc --only G,A1     only Grokking DL and Agile AI's A1
    python -m nnc --list          list the walkthroughs without running them
    python -m nnc --show G5       also print each selected walkthrough's lines
    python -m nnc --figures DIR   also write every figure as PNG (needs matplotlib)
    python -m nnc --version       print nnc's version

Every row says where its reference value comes from: "chapter" (printed in the
chapter), "code" (the book's code or repository, named below the table) or
"nnc" (computed by nnc for the walkthrough: a float64 value behind a rounded
print, or a value no chapter prints).  The table fits 80 columns.

The exit status is 0 only when every compared row matches (information rows,
such as Bergel's Pharo timings, never fail); 1 when a row does not match or a
walkthrough raises; 2 for an unknown id; 3 when --figures could not write the
figures (the table is still printed).
"""
import argparse
import os
import sys
import time
from typing import Optional, Sequence, TextIO


def _version():
    from . import __version__
    return __version__


def _parser():
    p = argparse.ArgumentParser(
        prog="python -m nnc",
        description="Replay the walkthroughs of five textbook chapters on nnc's "
                    "engine and compare every number the books print.")
    p.add_argument("--only", metavar="IDS",
                   help='comma-separated walkthrough ids or chapter letters, e.g. "G" or "G5,A1"')
    p.add_argument("--list", action="store_true",
                   help="list the walkthroughs and exit without running them")
    p.add_argument("--show", action="store_true",
                   help="print each walkthrough's book lines before the table")
    p.add_argument("--figures", metavar="DIR",
                   help="also write every figure as a PNG file into DIR (needs matplotlib)")
    p.add_argument("--version", action="version", version=f"nnc {_version()}")
    return p


def _summary(fn, width=90):
    """The first sentence of a walkthrough's docstring, without its "G5: " tag."""
    para = " ".join((fn.__doc__ or "").strip().split("\n\n")[0].split())
    para = para.split(": ", 1)[1] if para[:3].rstrip(":+").isalnum() and ": " in para[:6] else para
    end = para.find(". ")
    text = para if end < 0 else para[:end + 1]
    return text if len(text) <= width else text[:width - 3] + "..."


def _list(book, out):
    for letter, title in book.CHAPTERS.items():
        print(f"{letter}  {title}", file=out)
        for wid, fn in book.all_walkthroughs():
            if wid.startswith(letter):
                print(f"   {wid:3s} {fn.__name__:28s} {_summary(fn)}", file=out)
    return 0


def _figures(results, directory, out, err):
    """Write the figures through nnc.book.figures; True when they were written."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("--figures: matplotlib is not installed; install the plot extra: "
              'pip install "nnc[plot]"', file=err)
        return False
    from .book.figures import book_figures as writer
    os.makedirs(directory, exist_ok=True)
    paths = writer({k: v for k, v in results.items() if not isinstance(v, BaseException)},
                   directory)
    for path in paths or ():
        print(f"wrote {path}", file=out)
    return True


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None,
         err: Optional[TextIO] = None) -> int:
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    args = _parser().parse_args(argv)
    from . import book

    if args.list:
        return _list(book, out)
    if args.figures:
        import matplotlib
        matplotlib.use("Agg")
    t0 = time.perf_counter()
    try:
        rows, results = book.compare(args.only)
    except ValueError as exc:
        print(f"python -m nnc: {exc}", file=err)
        return 2
    elapsed = time.perf_counter() - t0
    if args.show:
        for key, res in results.items():
            print(res if not isinstance(res, BaseException)
                  else f"{key}: FAILED: {type(res).__name__}: {res}", file=out)
            print(file=out)
    print(book.format_table(rows), file=out)
    compared = [r for r in rows if r.match is not None]
    failed = [r for r in compared if not r.match]
    broken = {k: v for k, v in results.items() if isinstance(v, BaseException)}
    print(file=out)
    print(f"{len(compared) - len(failed)} of {len(compared)} book numbers match "
          f"({len(rows) - len(compared)} shown for information); "
          f"{len(results)} runs in {elapsed:.1f} s", file=out)
    for key, exc in broken.items():
        print(f"run {key} failed: {type(exc).__name__}: {exc}", file=err)
    status = 0 if not failed and not broken else 1
    if args.figures and not _figures(results, args.figures, out, err):
        status = status or 3
    return status


def _run() -> int:
    """main(), quiet when the reader closes the pipe early (``python -m nnc | head``)."""
    try:
        status = main()
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # Python's advice: point stdout at devnull so the exit's flush cannot fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(_run())
