"""innomatch's matching library: tokenise, index and rank technology needs and results.

A pure library (numpy, scipy, scikit-learn, jieba, sparse_dot_topn): no web framework, no
database.

>>> from matcher import Matcher
>>> m = Matcher().fit([{"id": 1, "title": "锂离子电池正极材料", "text": "..."}])
>>> m.query("电池材料", k=5)  # doctest: +SKIP
"""

from ._version import __version__
from .core import DEFAULT_PARAMS, DocId, Hit, Matcher
from .tokenizer import Tokenizer

__all__ = ["DEFAULT_PARAMS", "DocId", "Hit", "Matcher", "Tokenizer", "__version__"]
