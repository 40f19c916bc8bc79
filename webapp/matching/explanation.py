"""What a suggestion is explained by: terms both listings use as written, and related terms.

The matcher's hit lists the terms its score owes most to, but those come from the query after
pseudo-relevance feedback and from jieba's search mode, which also indexes the words inside
long words (源热泵 inside 空气源热泵). Shown as "shared", such terms were often untrue: a
feedback term neither listing contains, or a fragment. Here a term is shown as shared only
when both listings use it as a whole word (jieba's precise cut of any of their text fields,
English words compared by stem), each once; the hit's other terms, when shown at all, are
shown apart as related terms (what the matcher also looked for).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matcher import Tokenizer, __version__
from matcher.documents import tokenizer_params
from matcher.tokenizer import LATIN_WORD, english_stem
from models import Need, Result

#: How many shared and related terms a suggestion keeps.
SHARED_TERMS = 5
RELATED_TERMS = 3

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

_WORDS_LOCK = threading.Lock()
_WORD_TOKENIZERS: dict[str, Tokenizer] = {}


#: The text fields of each kind of listing (``"need"``, ``"result"``), in the order shown:
#: title, description, 现有基础, indicators, keywords.
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "need": ("title", "problem", "indicators", "basis", "keywords"),
    "result": ("title", "summary", "keywords"),
}


def listing_texts(listing: Any, kind: str | None = None) -> list[str]:
    """Every text field of a listing as written (:data:`TEXT_FIELDS`), of a model instance
    or of a row that names its ``kind``."""
    kind = kind or getattr(listing, "kind", None) or (
        "need" if isinstance(listing, Need) else "result")
    return [text for text in (getattr(listing, name) for name in TEXT_FIELDS[kind]) if text]


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def word_tokenizer(params: Mapping[str, Any] | None) -> Tokenizer:
    """The matcher's tokenizer settings in jieba's precise mode, without phrases or bigrams:
    the whole words of a text (one shared instance per setting)."""
    settings = {**(params or {}), "mode": "default", "phrases": False, "bigrams": False}
    key = repr(sorted(settings.items()))
    with _WORDS_LOCK:
        tok = _WORD_TOKENIZERS.get(key)
        if tok is None:
            tok = _WORD_TOKENIZERS[key] = Tokenizer(**settings)
    return tok


@dataclass(frozen=True)
class Words:
    """The whole words of a listing (as the matcher's terms: normalised, English stemmed) and,
    for each, the form it is written in."""

    terms: frozenset[str]
    written: dict[str, str]

    @classmethod
    def of(cls, texts: Iterable[str], tokenizer: Tokenizer) -> Words:
        """The words of ``texts``."""
        terms: set[str] = set()
        written: dict[str, str] = {}
        for text in texts:
            terms.update(tokenizer(text))
            for m in LATIN_WORD.finditer(_normalise(text)):
                word = m.group(0)
                written.setdefault(english_stem(word) if tokenizer.english else word, word)
        return cls(frozenset(t for t in terms if _showable(t)), written)

    def display(self, term: str) -> str:
        """How the listing writes ``term``."""
        return self.written.get(term, term)


#: How many listings' words :func:`listing_words` remembers (a nightly rematch explains the
#: same results for many needs).
WORDS_CACHE_SIZE = 20_000
# Keyed by the tokenizer itself, not its id(): a dropped tokenizer's id may be reused.
_WORDS_CACHE: dict[tuple[Tokenizer, tuple[str, ...]], Words] = {}


def listing_words(listing: Need | Result, tokenizer: Tokenizer) -> Words:
    """The whole words of a listing's text fields (remembered by their text)."""
    return texts_words(tuple(listing_texts(listing)), tokenizer)


def texts_words(texts: tuple[str, ...], tokenizer: Tokenizer,
                stored: Mapping[str, Any] | None = None) -> Words:
    """The whole words of ``texts`` (a listing's :func:`listing_texts`): those ``stored``
    with its tokens (:func:`words_record`) where they were made from these texts, else
    computed (and remembered by the texts)."""
    if stored is not None and stored.get("key") == words_key(texts, tokenizer):
        return Words(frozenset(stored["terms"]), dict(stored["written"]))
    key = (tokenizer, texts)
    words = _WORDS_CACHE.get(key)
    if words is None:
        if len(_WORDS_CACHE) >= WORDS_CACHE_SIZE:
            _WORDS_CACHE.clear()
        words = _WORDS_CACHE[key] = Words.of(texts, tokenizer)
    return words


def words_record(texts: tuple[str, ...], tokenizer: Tokenizer) -> dict[str, Any]:
    """A listing's whole words (of its :func:`listing_texts`) as stored with its tokens
    (``tokens["words"]``), so that a nightly rematch explains every pair without cutting the
    texts again: the words, their written forms and a key of the texts and word settings
    they were made from."""
    words = texts_words(texts, tokenizer)
    return {"key": words_key(texts, tokenizer), "terms": sorted(words.terms),
            "written": words.written}


#: Raised when :meth:`Words.of` changes, so that words stored before are made again.
WORDS_VERSION = 1


def words_key(texts: tuple[str, ...], tokenizer: Tokenizer) -> str:
    """What stored words depend on: the texts, the word tokenizer (its settings and
    dictionary, as in the matcher's token signature) and the rules of :meth:`Words.of`."""
    blob = json.dumps([WORDS_VERSION, __version__, texts, tokenizer_params(tokenizer),
                       tokenizer.dictionary_digest()],
                      ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _showable(term: str) -> bool:
    """Single characters and numbers alone explain nothing."""
    return len(term) > 1 and not term.replace(".", "").isdigit() and " " not in term


def _home(term: str, words: frozenset[str]) -> str | None:
    """The whole word ``term`` stands for among ``words``: itself, or the longest word that
    holds it (a fragment jieba's search mode found inside a long word)."""
    if term in words:
        return term
    if not _CJK.search(term):
        return None
    holders = [w for w in words if term in w]
    return max(holders, key=lambda w: (len(w), w)) if holders else None


def split_terms(
    hit_terms: Sequence[tuple[str, float]],
    need_words: Words,
    result_words: Words,
    weight: Mapping[str, float] | None = None,
) -> tuple[list[tuple[str, float]], list[str]]:
    """The shared terms (whole words both listings use, each once, best first, with the share
    of the hit's score they carry; words the hit did not list come after, by ``weight``, with
    share 0) and the related terms (the hit's other terms, fragments folded into their
    word)."""
    both = need_words.terms & result_words.terms
    shared: dict[str, float] = {}
    related: list[str] = []
    for term, share in hit_terms:
        for part in term.split(" "):
            home = _home(part, both)
            if home is not None:
                shared[home] = shared.get(home, 0.0) + share / len(term.split(" "))
                continue
            own = _home(part, need_words.terms) or _home(part, result_words.terms) or part
            if _showable(own) and own not in related:
                related.append(own)
    ranked = sorted(shared.items(), key=lambda t: (-t[1], t[0]))
    rest = sorted(both - shared.keys(), key=lambda t: (-(weight or {}).get(t, 0.0), t))
    ranked += [(t, 0.0) for t in rest]
    out = [(need_words.display(t), round(s, 4)) for t, s in ranked[:SHARED_TERMS]]
    shown = {t for t, _ in ranked[:SHARED_TERMS]}
    extra = [need_words.display(t) if t in need_words.terms else result_words.display(t)
             for t in related if t not in shown and not any(t in s for s in shown)]
    return out, extra[:RELATED_TERMS]


def occurs_in(term: str, texts: Iterable[str], english: bool = True) -> bool:
    """Whether ``term`` occurs as written in any of ``texts`` (an English term in any of its
    inflected forms, as a whole word)."""
    needle = _normalise(term)
    for text in texts:
        norm = _normalise(text)
        if _CJK.search(needle):
            if needle in norm:
                return True
            continue
        stem = english_stem(needle) if english else needle
        for m in LATIN_WORD.finditer(norm):
            word = m.group(0)
            if word == needle or (english and english_stem(word) == stem):
                return True
    return False
