"""Make matplotlib's JavaScript animation player work offline.

``FuncAnimation.to_jshtml()`` embeds every frame and the player script, but
its buttons are Font Awesome icons loaded from a CDN stylesheet
(``<link ... font-awesome.min.css>``): without internet the page makes a
failing request and the buttons come out blank.  :func:`offline_jshtml`
swaps that link for a few lines of inline CSS that draw the same icons as
Unicode characters, so the HTML is entirely self-contained.
"""
import re

__all__ = ["offline_jshtml"]

_LINK = re.compile(r'<link\b[^>]*font-awesome[^>]*>', re.IGNORECASE | re.DOTALL)

# The icons the player uses (matplotlib's _animation_data.py), as characters
# that common fonts have (geometric shapes and ASCII).
_ICONS = {
    "fa-minus": "\\2212", "fa-plus": "+",
    "fa-fast-backward": "|\\25C0\\25C0", "fa-step-backward": "|\\25C0",
    "fa-play": "\\25B6", "fa-pause": "||",
    "fa-step-forward": "\\25B6|", "fa-fast-forward": "\\25B6\\25B6|",
}

_CSS = ("<style>\n"
        ".anim-buttons i.fa, .animation i.fa { font-style: normal; font-family: "
        "'DejaVu Sans', 'Segoe UI Symbol', 'Noto Sans Symbols2', sans-serif; }\n"
        + "".join(f'.fa.{name}:before {{ content: "{glyph}"; }}\n'
                  for name, glyph in _ICONS.items())
        + ".fa.fa-flip-horizontal { display: inline-block; transform: scaleX(-1); }\n"
        "</style>")


def offline_jshtml(html):
    """Return matplotlib ``to_jshtml`` output with no reference to the internet.

    ``html`` is the HTML string, or an object with a ``.data`` string (an
    ``IPython.display.HTML``, as ``nnc.plot.animation_html`` returns); the
    same kind is returned.  The Font Awesome stylesheet link is replaced by
    inline CSS drawing the player's icons as Unicode characters; frames and
    script were already embedded.  Raises ``ValueError`` when the result
    still names an ``http(s)://`` resource in a ``src`` or ``href``.
    """
    text = html.data if hasattr(html, "data") else html
    if not isinstance(text, str):
        raise TypeError(f"offline_jshtml: expected an HTML string or an object with a "
                        f".data string, got {type(html).__name__}")
    text = _LINK.sub(lambda m: _CSS, text)
    remote = re.search(r'(?:src|href)\s*=\s*["\']?\s*(?:https?:)?//', text, re.IGNORECASE)
    if remote:
        raise ValueError(f"offline_jshtml: the HTML still loads a remote resource near "
                         f"{text[remote.start():remote.start() + 80]!r}")
    if hasattr(html, "data"):
        return type(html)(text)
    return text
