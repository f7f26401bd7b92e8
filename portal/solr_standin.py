"""A small Solr-HTTP-compatible search stand-in, FOR DEVELOPMENT AND TESTS ONLY.

    !!! NOT FOR PRODUCTION. A production CKAN uses real Apache Solr (with CKAN's !!!
    !!! schema.xml). This is only what lets CKAN run where Solr cannot be installed. !!!

CKAN 2.12 cannot create an organization or a dataset without a search server (a failed
index write rolls the action back), and Apache Solr cannot be installed on the machines
this project is developed and tested on. This server answers the part of Solr's HTTP API
that CKAN (through pysolr, with ``solr_url = http://127.0.0.1:PORT/solr/ckan``) uses; any
path prefix works, only the last segment counts:

* ``.../admin/ping``; ``.../schema?wt=schema.xml`` and ``.../admin/file?file=schema.xml``
  (both serve CKAN's own schema.xml, so CKAN's schema version check passes);
* ``.../update``: JSON or XML ``add``, ``delete`` by id or by query, ``commit`` (a no-op:
  every change is visible at once);
* ``.../select`` (GET, or POST form): ``q`` in Lucene syntax (``*:*``, field:value,
  "phrases", ``[a TO b]`` / ``{a TO b}`` ranges, ``*``/``?`` wildcards, AND/OR/NOT/&&/||,
  ``+``/``-``, parentheses; a leading ``{!...}`` local-params block is ignored), ``q.op``,
  ``defType=dismax|edismax`` with ``qf`` and ``mm``, several ``fq``, ``fl`` (with
  ``score``), ``sort``, ``start``, ``rows``, and ``facet=true`` with ``facet.field``,
  ``facet.limit`` and ``facet.mincount`` (Solr's flat ``[value, count, ...]`` lists).
  Answers are Solr JSON: ``responseHeader``, ``response: {numFound, start, docs}``.

Documents live in memory, keyed by CKAN's ``index_id``; with ``--data`` they are kept in
a JSON snapshot and a journal of the changes since (appended at most every
``--save-every`` seconds, folded into the snapshot on shutdown), so a restart keeps the
index.
One lock makes concurrent updates, deletes and searches safe. A query that names string
fields by exact value (CKAN's ``name:"X" OR id:"X"`` inside every ``package_show``) is
answered from a map of those values, not by reading every document. Known gaps: no relevance
ranking beyond counting matched clauses, no text analysis beyond case folding and
splitting on non-word characters (string fields match single words too), no date math
(``NOW-1DAY``), no spellcheck, highlighting, grouping, stats or range/query facets.

    python portal/solr_standin.py --port 8983 --data .portal/solr-index.json \
        --schema .portal/venv/lib/python3.11/site-packages/ckan/config/solr/schema.xml
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import os
import re
import signal
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

Doc = dict[str, Any]


# --- the schema ------------------------------------------------------------------------


class Schema:
    """Which fields are analysed text (matched word by word, case-folded) and which are
    strings (matched whole and case-sensitively), read from CKAN's schema.xml.

    Without a schema every field is treated as text (lenient).
    """

    def __init__(
        self, fields: dict[str, bool] | None = None, dynamic: list[tuple[str, bool]] | None = None
    ) -> None:
        self.fields = fields or {}
        # Solr tries the longest dynamic-field pattern first.
        self.dynamic = sorted(dynamic or [], key=lambda p: -len(p[0]))

    @classmethod
    def from_xml(cls, data: bytes) -> Schema:
        root = ET.fromstring(data)
        text_types = {
            t.get("name") for t in root.iter("fieldType") if t.get("class") == "solr.TextField"
        }
        fields = {f.get("name", ""): f.get("type") in text_types for f in root.iter("field")}
        dynamic = [
            (f.get("name", ""), f.get("type") in text_types) for f in root.iter("dynamicField")
        ]
        return cls(fields, dynamic)

    def is_text(self, field: str | None) -> bool:
        if field is None or field in ("text", "_text_") or not (self.fields or self.dynamic):
            return True
        if field in self.fields:
            return self.fields[field]
        for pattern, text in self.dynamic:
            if fnmatch.fnmatchcase(field, pattern):
                return text
        return True


LENIENT = Schema()


# --- the index ---------------------------------------------------------------------------


class Index:
    """Documents keyed by CKAN's ``index_id`` (the uniqueKey of CKAN's schema).

    One lock guards every read and write. With a ``path``, the index is kept on disk as
    a snapshot (``path``, one JSON object) and a journal of the changes since
    (``path`` + ``.log``, one JSON line per change, appended): a change costs what it
    writes, not the whole index. (Rewriting the whole index twice a second, as this
    stand-in first did, took one core and stalled every update once a portal held a
    few thousand datasets: 100 MB of JSON at 1,500 members.) The journal is folded into
    a new snapshot when it outgrows it, and on shutdown (:meth:`flush`); a torn last
    line (a crash mid-write) is ignored. With ``save_every`` > 0 a background thread
    appends the changes at most that often; with 0, before the update is answered.
    """

    def __init__(
        self, path: Path | None = None, save_every: float = 0.0, schema: Schema = LENIENT
    ) -> None:
        self.path = path
        self.journal = path.with_name(path.name + ".log") if path else None
        self.schema = schema
        self.lock = threading.Lock()
        self.docs: dict[str, Doc] = {}
        # Exact values of the string fields queried so far: field -> value -> keys. CKAN
        # looks a dataset up by name or id (``package_show`` goes through the index before
        # the database) on nearly every call; reading every document for it made the
        # stand-in take most of a core, and every CKAN call slow down with the portal's
        # size (3,000 datasets at 1,503 members).
        self._postings: dict[str, dict[str, set[str]]] = {}
        # The order of first insertion (the order of ``docs``), so that answers found
        # through ``_postings`` come in the same order as a full scan would give them.
        self._order: dict[str, int] = {}
        self._next = 0
        self.version = 0  # bumped on every change
        self._pending: list[str] = []  # journal lines not written yet
        self._snapshot_bytes = 0
        self._journal_bytes = 0
        self._wake = threading.Event()
        if path and path.is_file():
            with contextlib.suppress(ValueError):
                self.docs = json.loads(path.read_text(encoding="utf-8"))
                self._snapshot_bytes = path.stat().st_size
            self._order = {key: n for n, key in enumerate(self.docs)}
            self._next = len(self._order)
        if self.journal and self.journal.is_file():
            for line in self.journal.read_text(encoding="utf-8").splitlines():
                try:
                    self._apply(json.loads(line))
                except ValueError:
                    break  # torn by a crash mid-write: what follows was never answered
            self._journal_bytes = self.journal.stat().st_size
        self.save_every = save_every
        if path is not None and save_every > 0:
            saver = threading.Thread(target=self._saver, args=(save_every,), daemon=True)
            saver.start()

    def add(self, docs: list[Doc]) -> None:
        with self.lock:
            added = [[str(doc.get("index_id") or doc.get("id")), doc] for doc in docs]
            self._apply({"add": added})
            self._changed({"add": added})

    def delete(self, ids: list[str], queries: list[str]) -> None:
        matchers = [
            parse(q, schema=self.schema) for q in queries
        ]  # parse first: a bad query changes nothing
        with self.lock:
            gone = {key for key in ids if key in self.docs}
            for key in ids:
                gone |= self._lookup("id", key)
            for matcher in matchers:
                gone.update(k for k in self._candidates([matcher]) if matcher.match(self.docs[k]))
            self._apply({"delete": sorted(gone)})
            self._changed({"delete": sorted(gone)})

    def snapshot(self) -> list[Doc]:
        with self.lock:
            return list(self.docs.values())

    def matching(self, query: Node, filters: list[Node]) -> list[Doc]:
        """The documents that match ``query`` and every filter, in the index's order."""
        nodes = [query, *filters]
        with self.lock:
            docs = [self.docs[k] for k in self._candidates(nodes)]
        return [d for d in docs if all(n.match(d) for n in nodes)]

    def _candidates(self, nodes: list[Node]) -> list[str]:
        """Called with the lock held: the keys that may match every node (all of them,
        unless a node narrows them down by exact values), in the index's order."""
        found: set[str] | None = None
        for node in nodes:
            keys = node.candidates(self._lookup)
            if keys is not None:
                found = set(keys) if found is None else found & keys
        if found is None:
            return list(self.docs)
        return sorted(found, key=self._order.__getitem__)

    def _lookup(self, field: str, value: str) -> set[str]:
        """Called with the lock held: the keys of the documents whose ``field`` has the
        value ``value`` (as a string field is matched: whole, case-sensitive). The map of
        a field is built on its first query and kept up to date from then on."""
        values = self._postings.get(field)
        if values is None:
            values = self._postings[field] = {}
            for key, doc in self.docs.items():
                for v in _values(doc, field):
                    values.setdefault(_str(v), set()).add(key)
        return values.get(value, set())

    def _apply(self, change: dict[str, Any]) -> None:
        for key, doc in change.get("add", []):
            old = self.docs.get(key)
            if old is None:
                self._order[key] = self._next
                self._next += 1
            else:
                self._unpost(key, old)
            self.docs[key] = doc
            for field, values in self._postings.items():
                for v in _values(doc, field):
                    values.setdefault(_str(v), set()).add(key)
        for key in change.get("delete", []):
            old = self.docs.pop(key, None)
            if old is not None:
                self._unpost(key, old)
                del self._order[key]

    def _unpost(self, key: str, doc: Doc) -> None:
        for field, values in self._postings.items():
            for v in _values(doc, field):
                keys = values.get(_str(v))
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del values[_str(v)]

    def _changed(self, change: dict[str, Any]) -> None:
        """Called with the lock held."""
        self.version += 1
        if self.path is None:
            return
        self._pending.append(json.dumps(change))
        if self.save_every <= 0:
            self._write()
        self._wake.set()

    def _saver(self, every: float) -> None:
        while True:
            self._wake.wait()
            time.sleep(every)  # gather a burst of updates into one write
            self._wake.clear()
            with self.lock:
                self._write()

    def flush(self) -> None:
        """Write every change now, folded into the snapshot (on shutdown)."""
        with self.lock:
            self._write(fold=True)

    def _write(self, fold: bool = False) -> None:
        """Called with the lock held: appends the pending changes to the journal, and
        folds the journal into a new snapshot when asked or when it outgrew it."""
        if self.path is None or self.journal is None:
            return
        if self._pending:
            text = "".join(line + "\n" for line in self._pending)
            with self.journal.open("a", encoding="utf-8") as fh:
                fh.write(text)
            self._journal_bytes += len(text.encode("utf-8"))
            self._pending = []
        if not fold and self._journal_bytes <= max(FOLD_FROM_BYTES, 2 * self._snapshot_bytes):
            return
        if fold and self._journal_bytes == 0 and self.path.is_file():
            return  # the snapshot is the index already
        data = json.dumps(self.docs)
        tmp = self.path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, self.path)  # a crash before the journal is emptied replays it: same
        self.journal.write_text("", encoding="utf-8")
        self._snapshot_bytes = len(data.encode("utf-8"))
        self._journal_bytes = 0


# A journal is folded into the snapshot once it is larger than twice the snapshot and
# than this (so that a small index is not rewritten on every change).
FOLD_FROM_BYTES = 16 * 1024 * 1024


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


Lookup = Callable[[str, str], set[str]]


class Node:
    def match(self, doc: Doc) -> bool:
        raise NotImplementedError

    def candidates(self, lookup: Lookup) -> set[str] | None:
        """The keys of every document this node may match (a superset), found by exact
        values through ``lookup``; None when it cannot say without reading them all."""
        return None

    def score(self, doc: Doc) -> int:
        return 1 if self.match(doc) else 0


class All(Node):
    def match(self, doc: Doc) -> bool:
        return True


class Term(Node):
    def __init__(self, field: str | None, value: str, phrase: bool = False, text: bool = True):
        self.field, self.value, self.phrase, self.text = field, value, phrase, text

    def match(self, doc: Doc) -> bool:
        if self.field == "*" and self.value == "*":
            return True
        values = _values(doc, self.field)
        if self.value == "*":
            return any(v not in (None, "") for v in values)
        if not self.text:  # a string field: the whole value, case-sensitive
            if not self.phrase and any(c in self.value for c in "*?"):
                return any(fnmatch.fnmatchcase(_str(v), self.value) for v in values)
            return any(_str(v) == self.value for v in values)
        return any(_matches(v, self.value, self.phrase) for v in values)

    def candidates(self, lookup: Lookup) -> set[str] | None:
        if self.text or self.field is None or "*" in self.field or self.value == "*":
            return None
        if not self.phrase and any(c in self.value for c in "*?"):
            return None  # a wildcard: every value may match
        return lookup(self.field, self.value)


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
    """Lucene clauses: must (+), must not (-), should (plain, OR).

    ``min_should`` is dismax's ``mm``: how many should-clauses must match (by default one
    when there is no must-clause, none otherwise, as in Lucene).
    """

    def __init__(
        self, must: list[Node], should: list[Node], must_not: list[Node], min_should: int = 0
    ) -> None:
        self.must, self.should, self.must_not = must, should, must_not
        self.min_should = min_should

    def match(self, doc: Doc) -> bool:
        if any(n.match(doc) for n in self.must_not):
            return False
        if not all(n.match(doc) for n in self.must):
            return False
        needed = self.min_should or (0 if self.must else 1)
        if self.should and needed:
            return sum(1 for n in self.should if n.match(doc)) >= min(needed, len(self.should))
        return bool(self.must or self.should or self.must_not)

    def score(self, doc: Doc) -> int:
        return sum(n.score(doc) for n in self.must + self.should) if self.match(doc) else 0

    def candidates(self, lookup: Lookup) -> set[str] | None:
        if not (self.must or self.should or self.must_not):
            return set()  # matches nothing
        found: set[str] | None = None
        for node in self.must:
            keys = node.candidates(lookup)
            if keys is not None:
                found = set(keys) if found is None else found & keys
        needed = self.min_should or (0 if self.must else 1)
        if self.should and needed:  # at least one should-clause matches: their union
            union: set[str] = set()
            for node in self.should:
                keys = node.candidates(lookup)
                if keys is None:
                    return found
                union |= keys
            found = union if found is None else found & union
        return found


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


def _str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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
    def __init__(
        self, text: str, default_and: bool, fields: list[str] | None, schema: Schema
    ) -> None:
        self.tokens = [(m.lastgroup, m.group(m.lastgroup or 0)) for m in _TOKEN.finditer(text)]
        self.tokens = [(k, v) for k, v in self.tokens if k is not None]
        self.pos = 0
        self.default_and = default_and
        self.fields = fields
        self.schema = schema

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
            return Bool(
                [], [Term(f, value, phrase, self.schema.is_text(f)) for f in self.fields], []
            )
        return Term(field, value, phrase, self.schema.is_text(field))


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) > 1 and text[0] == text[-1] == '"' else text


def parse(
    text: str,
    default_and: bool = False,
    fields: list[str] | None = None,
    schema: Schema = LENIENT,
) -> Node:
    text = re.sub(r"^\{![^}]*\}", "", text.strip())  # local params: not supported, ignored
    if text in ("", "*:*", "*"):
        return All()
    return _Parser(text, default_and, fields, schema).clauses()


def min_match(spec: str, clauses: int) -> int:
    """Solr's ``mm`` (minimum should match): ``3``, ``-1``, ``75%``, ``-25%``, ``2<-1 5<80%``."""
    spec = spec.strip()
    if clauses <= 0:
        return 0
    if "<" not in spec:
        return _mm_value(spec or "100%", clauses)
    result = clauses  # up to the first condition, every clause is required
    for part in spec.split():
        limit, _, value = part.partition("<")
        if clauses > int(limit):
            result = _mm_value(value, clauses)
    return result


def _mm_value(value: str, clauses: int) -> int:
    if value.endswith("%"):
        percent = int(value[:-1])
        count = clauses * abs(percent) // 100
        wanted = clauses - count if percent < 0 else count
    else:
        number = int(value)
        wanted = clauses + number if number < 0 else number
    return max(0, min(clauses, wanted))


# --- select ------------------------------------------------------------------------------


def select(index: Index, params: dict[str, list[str]]) -> dict[str, Any]:
    def one(name: str, default: str = "") -> str:
        return params.get(name, [default])[-1]

    default_and = one("q.op", "OR").upper() == "AND"
    q = one("q", "*:*")
    qf = [f.split("^")[0] for f in one("qf").split()] if one("qf") else None
    dismax = one("defType") in ("dismax", "edismax") and qf
    if dismax:
        query = parse(q, fields=qf, schema=index.schema)
        if isinstance(query, Bool):
            query.min_should = min_match(one("mm", "100%"), len(query.should))
    else:
        query = parse(q, default_and=default_and, schema=index.schema)
    filters = [
        parse(f, default_and=default_and, schema=index.schema)
        for f in params.get("fq", [])
        if f.strip()
    ]
    docs = index.matching(query, filters)
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
            except (ValueError, ET.ParseError, KeyError, TypeError) as exc:
                self._json({"error": {"msg": f"{type(exc).__name__}: {exc}", "code": 400}}, 400)
            except Exception as exc:  # answer instead of dropping the connection
                self._json({"error": {"msg": f"{type(exc).__name__}: {exc}", "code": 500}}, 500)

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    index: Index


def serve(
    port: int,
    data: Path | None,
    schema: Path,
    host: str = "127.0.0.1",
    save_every: float = 0.0,
) -> Server:
    """A server (not yet serving) for CKAN's ``schema``; its index is ``server.index``."""
    xml = schema.read_bytes()
    index = Index(data, save_every=save_every, schema=Schema.from_xml(xml))
    server = Server((host, port), make_handler(index, xml))
    server.index = index
    return server


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Solr stand-in for CKAN (development and tests only, never production)"
    )
    parser.add_argument("--port", type=int, default=8983)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--data", type=Path, default=None, help="JSON file that keeps the index")
    parser.add_argument("--schema", type=Path, required=True, help="CKAN's solr/schema.xml")
    parser.add_argument(
        "--save-every", type=float, default=0.5, help="seconds between index writes (0: each)"
    )
    args = parser.parse_args()
    server = serve(args.port, args.data, args.schema, args.host, args.save_every)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.index.flush()


if __name__ == "__main__":
    main()
