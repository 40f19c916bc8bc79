"""What the matcher reads from a doc: plain ids, fields, text and stored tokens."""

from __future__ import annotations

import numpy as np
import pytest

from matcher import Tokenizer
from matcher.documents import doc_field, doc_id, doc_text, doc_tokens, has_tokens, tokenizer_params


def test_ids_become_plain_str_or_int() -> None:
    assert type(doc_id({"id": np.int64(7)})) is int and doc_id({"id": np.int64(7)}) == 7
    assert type(doc_id({"id": np.str_("solid")})) is str
    assert doc_id({"id": "12"}) == "12" and doc_id({"id": 12}) == 12
    with pytest.raises(ValueError, match="'id'"):
        doc_id({"title": "无编号"})
    for bad in (1.5, True, np.bool_(True), None):
        with pytest.raises(TypeError):
            doc_id({"id": bad})


def test_fields_and_text() -> None:
    assert doc_field({"field": "new_energy"}) == "new_energy"
    assert doc_field({}) is None and doc_field({"field": None}) is None
    assert doc_text({"title": "固态电池", "text": "电解质", "keywords": "固态电池"}) == (
        "电解质", "固态电池", ["固态电池"])
    assert doc_text({}) == ("", "", [])


def test_stored_tokens_are_read_as_they_are() -> None:
    tok = Tokenizer()
    stored = {"id": 1, "text": "不会被切分", "tokens": {"title": ["固态"], "text": ["电池", "电池"]}}
    assert has_tokens(stored) and not has_tokens({"id": 1, "tokens": ["电池"]})
    assert doc_tokens(stored, tok) == (["电池", "电池"], ["固态"], [])
    raw = {"id": 2, "title": "固态电池", "text": "锂离子电池", "keywords": ["正极材料", "电解质"]}
    body, title, keywords = doc_tokens(raw, tok)
    assert body == tok("锂离子电池") and title == tok("固态电池")
    assert keywords == tok("正极材料") + tok("电解质")


def test_only_a_tokenizer_is_described_in_json() -> None:
    assert tokenizer_params(Tokenizer(mode="default")) == Tokenizer(mode="default").get_params()
    assert tokenizer_params(str.split) is None
