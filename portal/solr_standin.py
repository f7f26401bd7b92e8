"""A small Solr-HTTP-compatible search stand-in, FOR DEVELOPMENT AND TESTS ONLY.

CKAN 2.12 cannot create an organization or a dataset without a search server, and
Apache Solr cannot be installed on the machines this project is developed and tested
on. This server answers the part of Solr's HTTP API that CKAN (through pysolr) uses:

* ``/admin/ping``; ``/schema?wt=schema.xml`` (serves CKAN's own schema.xml, so CKAN's
  schema version check passes);
* ``/update``: XML or JSON ``add``, ``delete`` by id or by query, ``commit``;
* ``/select``: ``q`` in Lucene syntax (field:value, "phrases", [a TO b] ranges,
  wildcards, AND/OR/NOT, + and -, parentheses), dismax ``qf``, several ``fq``, ``fl``,
  ``sort``, ``start``, ``rows``, facet fields with ``facet.limit`` / ``facet.mincount``.

Documents live in memory, keyed by CKAN's ``index_id``, and are saved to a JSON file
after every change (so a restart keeps the index); one lock makes concurrent updates
and commits safe. There is no relevance ranking beyond counting matched terms, no
analysis beyond case folding and splitting on non-word characters. A production portal
uses real Apache Solr.

    python portal/solr_standin.py --port 8983 --data .portal/solr.json --schema .../schema.xml
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import os
import re
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

Doc = dict[str, Any]


# --- the index ---------------------------------------------------------------------------


class Index:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.docs: dict[str, Doc] = {}
        if path and path.is_file():
            self.docs = json.loads(path.read_text(encoding="utf-8"))

    def add(self, docs: list[Doc]) -> None:
        with self.lock:
            for doc in docs:
                key = str(doc.get("index_id") or doc.get("id"))
                self.docs[key] = doc
            self._save()

    def delete(self, ids: list[str], queries: list[str]) -> None:
        with self.lock:
            for key in ids:
                self.docs.pop(key, None)
                for k, doc in list(self.docs.items()):
                    if doc.get("id") == key:
                        del self.docs[k]
            for query in queries:
                matcher = parse(query)
                for k, doc in list(self.docs.items()):
                    if matcher.match(doc):
                        del self.docs[k]
            self._save()

    def snapshot(self) -> list[Doc]:
        with self.lock:
            return list(self.docs.values())

    def _save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(self.docs), encoding="utf-8")
        os.replace(tmp, self.path)


# --- queries -----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<lparen>\()|(?P<rparen>\))|
      (?P<op>AND\b|OR\b|NOT\b|&&|\|\|)|
      (?P<prefix>[+\-!](?=\S))|
      (?P<field>[\w.]+|\*):(?=\S)|
      (?P<range>[\[{][^\]}]*[\]}])|
      (?P<phrase>"(?:[^"\\]|\\.)*")|
      (?P<term>(?:[^\s()"\\]|\\.)+)
    )""",
    re.X,
)
_WORD = re.compile(r"\w+", re.U)


class Node:
    def match(self, doc: Doc) -> bool:
        raise NotImplementedError

    def score(self, doc: Doc) -> int:
        return 1 if self.match(doc) else 0


class All(Node):
    def match(self, doc: Doc) -> bool:
        return True


class Term(Node):
    def __init__(self, field: str | None, value: str, phrase: bool = False) -> None:
        self.field, self.value, self.phrase = field, value, phrase

    def match(self, doc: Doc) -> bool:
        if self.field == "*" and self.value == "*":
            return True
        values = _values(doc, self.field)
        if self.value == "*":
            return any(v not in (None, "") for v in values)
        return any(_matches(v, self.value, self.phrase) for v in values)


class Range(Node):
    def __init__(self, field: str, low: str, high: str, inclusive: tuple[bool, bool]) -> None:
        self.field, self.low, self.high, self.inclusive = field, low, high, inclusive

    def match(self, doc: Doc) -> bool:
        return any(self._inside(str(v)) for v in _values(doc, self.field))

    def _inside(self, value: str) -> bool:
        lo_ok = self.low == "*" or _cmp(value, self.low) > (-1 if self.inclusive[0] else 0)
        hi_ok = self.high == "*" or _cmp(value, self.high) < (1 if self.inclusive[1] else 0)
        return lo_ok and hi_ok


class Bool(Node):
    """Lucene clauses: must (+), must not (-), should (plain, OR)."""

    def __init__(self, must: list[Node], should: list[Node], must_not: list[Node]) -> None:
        self.must, self.should, self.must_not = must, should, must_not

    def match(self, doc: Doc) -> bool:
        if any(n.match(doc) for n in self.must_not):
            return False
        if not all(n.match(doc) for n in self.must):
            return False
        if self.should and not self.must:
            return any(n.match(doc) for n in self.should)
        return bool(self.must or self.should or self.must_not)

    def score(self, doc: Doc) -> int:
        return sum(n.score(doc) for n in self.must + self.should) if self.match(doc) else 0


class Not(Node):
    def __init__(self, node: Node) -> None:
        self.node = node

    def match(self, doc: Doc) -> bool:
        return not self.node.match(doc)


def _values(doc: Doc, field: str | None) -> list[Any]:
    if field in (None, "text", "_text_"):
        out: list[Any] = []
        for key, value in doc.items():
            if key in ("validated_data_dict", "data_dict"):
                continue
            out += value if isinstance(value, list) else [value]
        return out
    if field is not None and "*" in field:
        out = []
        for key, value in doc.items():
            if fnmatch.fnmatchcase(key, field):
                out += value if isinstance(value, list) else [value]
        return out
    value = doc.get(field or "")
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _matches(value: Any, query: str, phrase: bool) -> bool:
    text = str(value).casefold()
    wanted = query.casefold()
    if phrase:
        return text == wanted or f" {wanted} " in f" {' '.join(_WORD.findall(text))} "
    if any(c in wanted for c in "*?"):
        return fnmatch.fnmatchcase(text, wanted) or any(
            fnmatch.fnmatchcase(w, wanted) for w in _WORD.findall(text)
        )
    return text == wanted or wanted in _WORD.findall(text)


def _cmp(a: str, b: str) -> int:
    try:
        fa, fb = float(a), float(b)
        return (fa > fb) - (fa < fb)
    except ValueError:
        return (a > b) - (a < b)


class _Parser:
    def __init__(self, text: str, default_and: bool, fields: list[str] | None) -> None:
        self.tokens = [(m.lastgroup, m.group(m.lastgroup or 0)) for m in _TOKEN.finditer(text)]
        self.tokens = [(k, v) for k, v in self.tokens if k is not None]
        self.pos = 0
        self.default_and = default_and
        self.fields = fields

    def peek(self) -> tuple[str | None, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, "")

    def take(self) -> tuple[str | None, str]:
        token = self.peek()
        self.pos += 1
        return token

    def clauses(self, field: str | None = None) -> Node:
        must: list[Node] = []
        should: list[Node] = []
        must_not: list[Node] = []
        pending_or = pending_and = False
        items: list[tuple[str, Node]] = []
        while True:
            kind, value = self.peek()
            if kind is None or kind == "rparen":
                break
            if kind == "op":
                self.take()
                if value in ("OR", "||"):
                    pending_or = True
                    continue
                if value in ("AND", "&&"):
                    pending_and = True
                    continue
                node = self.unit(field)
                items.append(("not", node))
                pending_and = pending_or = False
                continue
            occur = "default"
            if kind == "prefix":
                self.take()
                occur = "must" if value == "+" else "not"
            node = self.unit(field)
            if pending_or:
                if items and items[-1][0] == "default":
                    items[-1] = ("should", items[-1][1])
                occur = "should" if occur == "default" else occur
            elif pending_and:
                if items and items[-1][0] in ("default", "should"):
                    items[-1] = ("must", items[-1][1])
                occur = "must" if occur == "default" else occur
            pending_and = pending_or = False
            items.append((occur, node))
        has_should = any(o == "should" for o, _ in items)
        for occur, node in items:
            if occur == "not":
                must_not.append(node)
            elif occur == "must" or (occur == "default" and self.default_and and not has_should):
                must.append(node)
            else:
                should.append(node)
        return Bool(must, should, must_not)

    def unit(self, field: str | None) -> Node:
        kind, value = self.take()
        if kind == "field":
            return self.unit(value)
        if kind == "lparen":
            node = self.clauses(field)
            if self.peek()[0] == "rparen":
                self.take()
            return node
        if kind == "range" and field:
            inner = value[1:-1].strip()
            low, _, high = inner.partition(" TO ")
            return Range(field, _unquote(low.strip()), _unquote(high.strip()),
                         (value[0] == "[", value[-1] == "]"))  # fmt: skip
        if kind == "phrase":
            return self.terms(field, _unescape(value[1:-1]), phrase=True)
        if kind in ("term", "range"):
            if field == "*" and value == "*":
                return All()
            return self.terms(field, _unescape(value), phrase=False)
        return All()

    def terms(self, field: str | None, value: str, phrase: bool) -> Node:
        if field is None and self.fields:
            return Bool([], [Term(f, value, phrase) for f in self.fields], [])
        return Term(field, value, phrase)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) > 1 and text[0] == text[-1] == '"' else text


def parse(text: str, default_and: bool = False, fields: list[str] | None = None) -> Node:
    text = re.sub(r"^\{![^}]*\}", "", text.strip())  # local params: not supported, ignored
    if text in ("", "*:*", "*"):
        return All()
    return _Parser(text, default_and, fields).clauses()


# --- select ------------------------------------------------------------------------------


def select(index: Index, params: dict[str, list[str]]) -> dict[str, Any]:
    def one(name: str, default: str = "") -> str:
        return params.get(name, [default])[-1]

    default_and = one("q.op", "OR").upper() == "AND"
    q = one("q", "*:*")
    qf = [f.split("^")[0] for f in one("qf").split()] if one("qf") else None
    dismax = one("defType") in ("dismax", "edismax") and qf
    query = parse(q, default_and=True if dismax else default_and, fields=qf if dismax else None)
    filters = [parse(f, default_and=default_and) for f in params.get("fq", []) if f.strip()]
    docs = [d for d in index.snapshot() if query.match(d) and all(f.match(d) for f in filters)]
    scored = [(query.score(d), d) for d in docs]
    for key, direction in reversed(_sort_keys(one("sort"))):
        reverse = direction == "desc"
        if key == "score":
            scored.sort(key=lambda p: p[0], reverse=reverse)
        else:
            scored.sort(key=lambda p: _sortable(p[1].get(key)), reverse=reverse)
    start, rows = int(one("start", "0") or 0), int(one("rows", "10") or 10)
    page = scored[start : start + rows] if rows >= 0 else scored[start:]
    fields = [f for f in re.split(r"[\s,]+", one("fl", "*")) if f]
    result = []
    for score, doc in page:
        out = dict(doc) if "*" in fields else {f: doc[f] for f in fields if f in doc}
        if "score" in fields:
            out["score"] = float(score)
        result.append(out)
    body: dict[str, Any] = {
        "responseHeader": {
            "status": 0,
            "QTime": 0,
            "params": {k: v[-1] for k, v in params.items()},
        },
        "response": {"numFound": len(docs), "start": start, "docs": result},
    }
    if one("facet", "false") == "true":
        body["facet_counts"] = {
            "facet_queries": {},
            "facet_fields": {
                f: _facet(
                    docs,
                    f,
                    int(one("facet.limit", "50") or 50),
                    int(one("facet.mincount", "0") or 0),
                )
                for f in params.get("facet.field", [])
            },
            "facet_ranges": {},
            "facet_intervals": {},
            "facet_heatmaps": {},
        }
    return body


def _sort_keys(sort: str) -> list[tuple[str, str]]:
    keys = []
    for part in sort.split(","):
        bits = part.split()
        if bits:
            keys.append((bits[0], bits[1].lower() if len(bits) > 1 else "asc"))
    return keys


def _sortable(value: Any) -> tuple[int, Any]:
    if value is None:
        return (1, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, (int, float)):
        return (0, (0, value, ""))
    return (0, (1, 0, str(value).casefold()))


def _facet(docs: list[Doc], field: str, limit: int, mincount: int) -> list[Any]:
    counts: dict[str, int] = {}
    for doc in docs:
        for value in set(map(str, _values(doc, field))):
            counts[value] = counts.get(value, 0) + 1
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ordered = [kv for kv in ordered if kv[1] >= mincount]
    if limit >= 0:
        ordered = ordered[:limit]
    flat: list[Any] = []
    for value, count in ordered:
        flat += [value, count]
    return flat


# --- updates -----------------------------------------------------------------------------


def update(index: Index, body: bytes, content_type: str) -> None:
    if not body.strip():
        return
    if "json" in content_type or body.lstrip()[:1] in (b"[", b"{"):
        _update_json(index, json.loads(body))
    else:
        _update_xml(index, ET.fromstring(body))


def _update_json(index: Index, message: Any) -> None:
    if isinstance(message, list):
        index.add(message)
        return
    for key, value in message.items():
        if key == "add":
            docs = value if isinstance(value, list) else [value]
            index.add([d.get("doc", d) for d in docs])
        elif key == "delete":
            items = value if isinstance(value, list) else [value]
            ids = [
                i if isinstance(i, str) else i.get("id")
                for i in items
                if isinstance(i, str) or "id" in i
            ]
            queries = [i["query"] for i in items if isinstance(i, dict) and "query" in i]
            index.delete([str(i) for i in ids if i], queries)


def _update_xml(index: Index, root: ET.Element) -> None:
    elements = [root] if root.tag != "update" else list(root)
    for element in elements:
        if element.tag == "add":
            docs = []
            for doc in element.findall("doc"):
                fields: Doc = {}
                for f in doc.findall("field"):
                    name, value = f.get("name", ""), f.text or ""
                    if name in fields:
                        current = fields[name]
                        fields[name] = (current if isinstance(current, list) else [current]) + [
                            value
                        ]
                    else:
                        fields[name] = value
                docs.append(fields)
            index.add(docs)
        elif element.tag == "delete":
            ids = [e.text or "" for e in element.findall("id")]
            queries = [e.text or "" for e in element.findall("query")]
            index.delete(ids, queries)
        # <commit/> and <optimize/>: changes are visible at once, nothing to do.


# --- HTTP --------------------------------------------------------------------------------


def make_handler(index: Index, schema: bytes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _route(self) -> tuple[str, dict[str, list[str]]]:
            parts = urlsplit(self.path)
            return parts.path.rstrip("/"), parse_qs(parts.query, keep_blank_values=True)

        def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, value: Any, status: int = 200) -> None:
            self._send(status, json.dumps(value).encode())

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def do_GET(self) -> None:
            self._dispatch(self._route(), b"")

        def do_POST(self) -> None:
            path, params = self._route()
            body = self._body()
            if path.endswith("/select") and "form-urlencoded" in self.headers.get(
                "Content-Type", ""
            ):
                for key, values in parse_qs(body.decode(), keep_blank_values=True).items():
                    params.setdefault(key, []).extend(values)
                body = b""
            self._dispatch((path, params), body)

        def _dispatch(self, route: tuple[str, dict[str, list[str]]], body: bytes) -> None:
            path, params = route
            try:
                if path.endswith("/admin/ping"):
                    self._json({"responseHeader": {"status": 0}, "status": "OK"})
                elif path.endswith("/schema") or path.endswith("/admin/file"):
                    self._send(200, schema, "application/xml; charset=utf-8")
                elif path.endswith("/select"):
                    self._json(select(index, params))
                elif path.endswith("/update"):
                    update(index, body, self.headers.get("Content-Type", ""))
                    self._json({"responseHeader": {"status": 0, "QTime": 0}})
                else:
                    self._json({"error": {"msg": f"unknown path {path}", "code": 404}}, 404)
            except (ValueError, ET.ParseError, KeyError) as exc:
                self._json({"error": {"msg": f"{type(exc).__name__}: {exc}", "code": 400}}, 400)

    return Handler


def serve(
    port: int, data: Path | None, schema: Path, host: str = "127.0.0.1"
) -> ThreadingHTTPServer:
    index = Index(data)
    server = ThreadingHTTPServer((host, port), make_handler(index, schema.read_bytes()))
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Solr stand-in for CKAN (development and tests only)"
    )
    parser.add_argument("--port", type=int, default=8983)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--data", type=Path, default=None, help="JSON file that keeps the index")
    parser.add_argument("--schema", type=Path, required=True, help="CKAN's solr/schema.xml")
    args = parser.parse_args()
    server = serve(args.port, args.data, args.schema, args.host)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
