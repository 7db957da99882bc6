"""The visible text of an HTML page, parsed by Lexbor (selectolax), the HTML5 parser browsers'
rules describe.

It replaced BeautifulSoup over the standard library's parser, which cost about 2.5 ms an HTML
part and was the largest cost of reading real e-mail (30x less here, docs/performance.md). On
the 397 HTML pages and parts of the generated, real-world and held-out corpora the two give the
same title and text but for three: two runs of junk markup, kilobytes long, that the parsers split
differently, and a page with a <title> in its body, whose text BeautifulSoup kept as the page's
text and a browser does not show (every <title> is taken out here, not only the head's).
"""

from __future__ import annotations

from lockgate.extraction.stopwatch import stage

# Elements whose text is not shown: a page's head (its title comes back on its own), scripts,
# styles, and a title wherever the parser put it.
_HIDDEN = "head, script, style, title"


def html_text(markup: str) -> tuple[str, str]:
    """(title, visible text) of an HTML page: the text of every node but `_HIDDEN` ones, one
    line per text line, stripped, no empty lines."""
    from selectolax.lexbor import LexborHTMLParser

    with stage("html_to_text"):
        return _text(LexborHTMLParser(markup))


def _text(tree) -> tuple[str, str]:
    title = tree.css_first("title")
    title = title.text(strip=True) if title is not None else ""
    for node in tree.css(_HIDDEN):
        node.decompose()
    text = tree.root.text(separator="\n") if tree.root is not None else ""
    lines = [line.strip() for line in text.splitlines()]
    return title, "\n".join(line for line in lines if line)
