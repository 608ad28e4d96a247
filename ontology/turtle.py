"""Parsing Turtle into triples of pyoxigraph terms, with errors that name
the file and the line."""
from __future__ import annotations

import re

import pyoxigraph as ox

from .errors import TurtleSyntaxError

Triple = tuple  # (subject, predicate, object) of pyoxigraph terms

_LINE = re.compile(r"line (\d+)")


def parse_turtle(text: str | bytes, source: str, base: str | None = None) -> list[Triple]:
    """The triples of a Turtle document; relative IRIs resolve against ``base``.

    ``source`` names the document in error messages (a path, or
    ``archive.fmu!resources/btwin.ttl``)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        quads = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=base)
        return [(q.subject, q.predicate, q.object) for q in quads]
    except SyntaxError as error:
        line = error.lineno
        if line is None:
            match = _LINE.search(str(error))
            line = int(match.group(1)) if match else None
        raise TurtleSyntaxError(source, line, str(error.msg if hasattr(error, "msg") else error)) from None
    except UnicodeDecodeError as error:
        raise TurtleSyntaxError(source, None, f"not UTF-8 ({error})") from None
