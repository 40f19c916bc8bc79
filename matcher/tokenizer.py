"""Chinese/technical tokenisation for the matcher.

The tokenizer normalises text (NFKC, case folding), keeps mixed alphanumeric tokens such as
``5g``, ``pm2.5``, ``crispr-cas9`` or ``304l`` intact, and cuts Chinese runs with a private
jieba instance that knows the project's dictionary of technical terms (``data/terms.txt``), so
that terms like 锂离子电池 or 工业互联网 stay whole. Stopwords (``data/stopwords.txt``) are
dropped.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import re
import tempfile
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["LATIN_WORD", "Tokenizer", "english_stem", "load_wordlist", "preload"]

_DATA = "matcher.data"

# A CJK run, or an alphanumeric token that may contain inner joiners: "pm2.5", "li-ion",
# "crispr-cas9", "c++". Everything else (punctuation, spaces) separates tokens.
_LATIN = (r"[0-9a-z\u00c0-\u024f\u0370-\u03ff]+"
          r"(?:[-.+_][0-9a-z\u00c0-\u024f\u0370-\u03ff]+)*\+*")
_TOKEN_RE = re.compile(
    r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
    rf"|(?P<alnum>{_LATIN})"
)
#: One Latin-script token as the tokenizer reads it from normalised (case-folded) text.
LATIN_WORD = re.compile(_LATIN)
# Plain numbers ("2018", "3.5") carry little topical meaning but vary a lot.
_NUMBER_RE = re.compile(r"^[0-9]+(?:[.,/][0-9]+)*$")

_SHARED: dict[str | None, Any] = {}
_SHARED_LOCK = threading.Lock()


def load_wordlist(name: str) -> list[str]:
    """Read one of the packaged word lists (one entry a line, ``#`` starts a comment)."""
    text = resources.files(_DATA).joinpath(name).read_text(encoding="utf-8")
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def preload(**params: Any) -> None:
    """Load jieba's dictionary for tokenizers made with ``params`` (the default ones when
    empty) in this process, then freeze the objects made so far out of the cyclic garbage
    collector's reach.

    A server's master calls it before it forks its workers (``webapp.gunicorn_conf``): every
    tokenizer a worker makes with the same user dictionary then uses the master's jieba
    instance, whose ~115 MB of Python objects stay shared pages instead of being loaded again
    by each worker (jieba only reads its dictionary once built, and frozen objects are not
    written by the collector's passes).
    """
    Tokenizer(**params)._ensure()
    gc.freeze()


class Tokenizer:
    """Callable turning a text into a list of normalised tokens.

    Tokenizers are picklable (the jieba instance is rebuilt in the copy), so worker processes
    can tokenise in parallel.

    Parameters
    ----------
    mode:
        ``"default"`` gives jieba's precise cut; ``"search"`` also emits the dictionary words
        found inside long words (锂离子电池 → 锂离子电池, 离子, 电池), which lets a need that
        says 电池 meet a result that says 锂离子电池.
    hmm:
        Let jieba guess out-of-vocabulary words with its HMM (off: the guesses cut the same
        word differently in a short need and a long abstract more often than they help).
    bigrams:
        Also emit the character bigrams of every Chinese word longer than two characters
        (a cheap remedy for words jieba cuts differently in two texts).
    min_len:
        Drop Chinese tokens shorter than this (1 keeps single characters).
    user_dict:
        Path of a jieba user dictionary; ``None`` uses the packaged technical terms, ``""``
        none at all.
    stopwords:
        Words to drop; ``None`` uses the packaged list.
    drop_numbers:
        Drop plain numbers such as years and measurements (kept by default: model numbers
        such as a cultivar's 9901 identify an item).
    phrases:
        Also emit each pair of adjacent words as one token ("正极材料 循环寿命"), a cheap
        proximity signal that helps find the one result a need describes.
    char_freq_max:
        Drop single Chinese characters that jieba's dictionary counts more often than this
        (不, 大, 差, 用 ...): alone they say nothing about a topic, yet a need and a result
        sharing only such characters used to look related. Rare single characters that name
        a thing (铜, 锂, 钒, 藻) stay. ``None`` keeps every single character.
    english:
        Drop English stop words (scikit-learn's list) from Latin words and fold plural and
        verb endings with a light stemmer (:func:`english_stem`), so that an English need
        saying "batteries" meets a result on "battery". Short words (acronyms such as pcb,
        aoi, sic, 5g) are left as written.
    """

    def __init__(
        self,
        mode: str = "search",
        hmm: bool = False,
        bigrams: bool = False,
        min_len: int = 1,
        user_dict: str | None = None,
        stopwords: Iterable[str] | None = None,
        drop_numbers: bool = False,
        phrases: bool = True,
        char_freq_max: int | None = 10000,
        english: bool = True,
    ) -> None:
        if mode not in ("default", "search"):
            raise ValueError(f"mode must be 'default' or 'search', not {mode!r}")
        self.mode = mode
        self.hmm = hmm
        self.bigrams = bigrams
        self.min_len = min_len
        self.user_dict = user_dict
        self.stopwords = None if stopwords is None else sorted(set(stopwords))
        self.drop_numbers = drop_numbers
        self.phrases = phrases
        self.char_freq_max = char_freq_max
        self.english = english
        self._lock = threading.Lock()
        self._jieba: Any = None
        self._stop: frozenset[str] = frozenset()
        # The tokens of each Chinese run (a clause between punctuation) are a pure function of
        # it, and listings repeat clauses (boilerplate, shared phrasing): remembering the
        # latest ones makes bulk tokenising ~1.5x faster on listing-like text.
        self._cache: dict[str, tuple[str, ...]] = {}
        self._digest: str | None = None

    #: How many Chinese runs the cache remembers before it starts over.
    CACHE_SIZE = 100_000

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, JSON-serialisable, to rebuild an equal tokenizer."""
        return {
            "mode": self.mode,
            "hmm": self.hmm,
            "bigrams": self.bigrams,
            "min_len": self.min_len,
            "user_dict": self.user_dict,
            "stopwords": self.stopwords,
            "drop_numbers": self.drop_numbers,
            "phrases": self.phrases,
            "char_freq_max": self.char_freq_max,
            "english": self.english,
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if k != "stopwords")
        return f"Tokenizer({args})"

    def __getstate__(self) -> dict[str, Any]:
        # Locks and the jieba instance are rebuilt lazily in the copy.
        return {**self.get_params()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def dictionary_digest(self) -> str:
        """A digest of what this tokenizer cuts with beyond its settings: the user dictionary's
        contents (the packaged technical terms by default), the stop words' (the packaged list
        by default) and jieba's version (its own dictionary ships with it). Tokens or words
        stored under another digest were cut with other dictionaries. Read once per
        tokenizer, as jieba reads the dictionary once."""
        if self._digest is not None:
            return self._digest
        with warnings.catch_warnings():  # jieba's import warns (see _new_jieba)
            warnings.simplefilter("ignore")
            import jieba

        if self.user_dict is None:
            terms = "\n".join(load_wordlist("terms.txt"))
        elif self.user_dict == "":
            terms = ""
        else:
            terms = Path(self.user_dict).read_text(encoding="utf-8")
        stop = load_wordlist("stopwords.txt") if self.stopwords is None else self.stopwords
        blob = json.dumps([getattr(jieba, "__version__", ""), terms, sorted(stop)],
                          ensure_ascii=False)
        self._digest = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
        return self._digest

    # -- jieba ---------------------------------------------------------------------------

    def _ensure(self) -> Any:
        jb = self._jieba
        if jb is not None:
            return jb
        with self._lock:
            if self._jieba is None:
                self._jieba = self._build()
            return self._jieba

    def _build(self) -> Any:
        stop = load_wordlist("stopwords.txt") if self.stopwords is None else self.stopwords
        self._stop = frozenset(_normalise(w) for w in stop)
        if self.english:
            self._stop |= _english_stop_words()
        key = self.user_dict
        if key:
            key = f"{Path(key).resolve()}:{Path(key).stat().st_mtime_ns}"
        # Loading jieba's dictionary takes about a second: tokenizers with the same user
        # dictionary share one (read-only once built) jieba instance.
        with _SHARED_LOCK:
            jb = _SHARED.get(key)
            if jb is None:
                jb = _SHARED[key] = self._new_jieba()
        return jb

    def _new_jieba(self) -> Any:
        logging.getLogger("jieba").setLevel(logging.WARNING)
        # jieba 0.42.1 imports pkg_resources and has regexes with invalid escapes: both warn
        # under recent Pythons/setuptools, and the test suite turns warnings into errors.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tk = jieba.Tokenizer()
            tk.tmp_dir = tempfile.gettempdir()
            tk.initialize()
            if self.user_dict is None:
                lines = load_wordlist("terms.txt")
            elif self.user_dict == "":
                lines = []
            else:
                lines = Path(self.user_dict).read_text(encoding="utf-8").splitlines()
            for line in lines:
                parts = line.split()
                if not parts or parts[0].startswith("#"):
                    continue
                word = _normalise(parts[0])
                freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                tk.add_word(word, freq)
        return tk

    # -- cutting -------------------------------------------------------------------------

    def _subwords(self, jb: Any, w: str) -> Iterator[str]:
        """Dictionary words inside a long word, as jieba's search mode finds them."""
        freq = jb.FREQ
        if len(w) > 2:
            for i in range(len(w) - 1):
                if freq.get(w[i : i + 2]):
                    yield w[i : i + 2]
        if len(w) > 3:
            for i in range(len(w) - 2):
                if freq.get(w[i : i + 3]):
                    yield w[i : i + 3]

    def __call__(self, text: str) -> list[str]:
        """Tokenise ``text``: normalised, stopwords removed, in text order (deterministic)."""
        jb = self._ensure()
        if not text:
            return []
        text = _normalise(text)
        stop = self._stop
        min_len = self.min_len
        search = self.mode == "search"
        cache = self._cache
        char_max = self.char_freq_max
        out: list[str] = []
        for m in _TOKEN_RE.finditer(text):
            han = m.group("han")
            if han is None:
                tok = m.group("alnum")
                if self.drop_numbers and _NUMBER_RE.match(tok):
                    continue
                if tok in stop:
                    continue
                out.append(english_stem(tok) if self.english else tok)
                continue
            cached = cache.get(han)
            if cached is not None:
                out.extend(cached)
                continue
            start = len(out)
            prev = ""
            for word in jb.cut(han, HMM=self.hmm):
                if len(word) < min_len or word in stop or (
                        char_max is not None and len(word) == 1
                        and jb.FREQ.get(word, 0) > char_max):
                    prev = ""
                    continue
                if search:
                    out.extend(t for t in self._subwords(jb, word) if t not in stop)
                out.append(word)
                if self.bigrams and len(word) > 2:
                    out.extend(word[i : i + 2] for i in range(len(word) - 1))
                if self.phrases and prev and len(prev) > 1 and len(word) > 1:
                    out.append(prev + " " + word)
                prev = word
            if len(cache) >= self.CACHE_SIZE:
                cache.clear()
            cache[han] = tuple(out[start:])
        return out


_PLURAL = (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh"),
           ("es", "e"), ("s", ""))
_VERB = ("ing", "ed")


def english_stem(word: str) -> str:
    """A light English stemmer: plural, then verb endings folded (batteries → battery,
    coatings → coat, welded → weld, plugged → plug), words of up to four letters and words
    holding digits or joiners (pm2.5, li-ion, 304l) left as written, so acronyms keep their
    meaning."""
    if len(word) <= 4 or not word.isalpha() or not word.isascii():
        return word
    for suffix, repl in _PLURAL:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                break
            word = word[: -len(suffix)] + repl
            break
    for suffix in _VERB:
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 3 and not word.endswith("eed") \
                and any(v in stem for v in "aeiouy"):
            if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                stem = stem[:-1]  # plugged → plug, but drilled → drill
            return stem
    return word


def _english_stop_words() -> frozenset[str]:
    # scikit-learn's list: imported here so that a tokenizer without English pays nothing.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()
