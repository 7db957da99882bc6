"""The visible text of an HTML page (BeautifulSoup with the standard library's parser)."""

from __future__ import annotations


def html_text(markup: str) -> tuple[str, str]:
    """(title, visible text) of an HTML page; scripts, styles and the head are not text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else ""
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    lines = [line.strip() for line in soup.get_text("\n").splitlines()]
    return title, "\n".join(line for line in lines if line)
