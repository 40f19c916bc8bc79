"""Tokenizer: dictionary terms whole, stopwords dropped, mixed tokens kept, normalisation."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from matcher import DEFAULT_PARAMS, Matcher, Tokenizer
from matcher.tokenizer import english_stem


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer()


@pytest.mark.parametrize(
    "term",
    ["锂离子电池", "机器视觉", "碳化硅", "固态电池", "工业互联网", "膜生物反应器", "钙钛矿"],
)
def test_dictionary_terms_stay_whole(tok: Tokenizer, term: str) -> None:
    assert term in tok(f"本项目研究{term}的关键问题")
    assert term in Tokenizer(mode="default")(f"关于{term}的应用")


# The vocabulary of the platform's own listings (written for this test, not copied from them).
@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("锂电池极片涂布产线的面密度控制", ["极片", "涂布", "产线"]),
        ("半固态电池与全固态电池的界面阻抗", ["半固态", "全固态电池", "界面阻抗"]),
        ("光伏组件EL检测与银浆耗量", ["光伏组件", "银浆"]),
        ("燃料电池电堆双极板与膜电极组件", ["电堆", "双极板", "膜电极组件"]),
        ("储能电芯热失控预警与构网型储能", ["电芯", "热失控", "构网型储能"]),
        ("碳化硅外延片微管密度与化学机械抛光", ["外延片", "微管密度", "化学机械抛光"]),
        ("航空发动机涡轮叶片热障涂层与气膜冷却", ["涡轮叶片", "气膜冷却"]),
        ("高盐废水分盐结晶与垃圾渗滤液处理", ["高盐废水", "分盐结晶", "垃圾渗滤液"]),
        ("基于大语言模型的检索增强生成与向量数据库", ["大语言模型", "检索增强生成", "向量数据库"]),
        ("原料药手性合成的晶型研究与连续流工艺", ["手性合成", "晶型", "连续流"]),
    ],
)
def test_platform_topic_terms_stay_whole(tok: Tokenizer, text: str, terms: list[str]) -> None:
    toks = tok(text)
    for term in terms:
        assert term in toks, (term, toks)
    # The precise cut leaves no term in single characters.
    assert all(len(t) > 1 for t in Tokenizer(mode="default", phrases=False)(text)), text


def test_default_mode_does_not_split_terms() -> None:
    toks = Tokenizer(mode="default", phrases=False)("锂离子电池正极材料")
    assert toks == ["锂离子电池", "正极材料"]


def test_search_mode_adds_subwords(tok: Tokenizer) -> None:
    toks = tok("锂离子电池")
    assert "锂离子电池" in toks and "电池" in toks


@pytest.mark.parametrize("word", ["本发明", "一种", "涉及", "所述", "本项目", "技术", "方法", "的"])
def test_stopwords_dropped(tok: Tokenizer, word: str) -> None:
    assert word not in tok("本发明涉及一种所述本项目的技术方法，用于锂离子电池")


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("面向5G通信的基站", "5g"),
        ("城市PM2.5监测", "pm2.5"),
        ("基于CRISPR-Cas9的编辑", "crispr-cas9"),
        ("Li-ion电池组", "li-ion"),
        ("304L不锈钢焊接", "304l"),
        ("SiC功率模块", "sic"),
    ],
)
def test_mixed_alphanumeric_tokens_intact(tok: Tokenizer, text: str, token: str) -> None:
    assert token in tok(text)


def test_full_width_normalised_and_case_folded(tok: Tokenizer) -> None:
    assert tok("５Ｇ　ＰＭ２．５ ＳｉＣ") == tok("5G PM2.5 sic") == ["5g", "pm2.5", "sic"]
    assert tok("Graphene") == ["graphene"]


def test_deterministic_and_empty(tok: Tokenizer) -> None:
    text = "基于机器视觉的表面缺陷检测系统，检测钢板划痕"
    assert tok(text) == tok(text)
    assert tok("") == []
    assert tok("，。！？") == []


def test_phrases_join_adjacent_words() -> None:
    toks = Tokenizer(phrases=True, mode="default")("锂离子电池正极材料")
    assert "锂离子电池 正极材料" in toks
    assert "锂离子电池 正极材料" not in Tokenizer(phrases=False)("锂离子电池正极材料")


def test_drop_numbers_option() -> None:
    assert "2024" not in Tokenizer(drop_numbers=True)("2024年启动")
    assert "2024" in Tokenizer(drop_numbers=False)("2024年启动")


def test_custom_user_dict_and_stopwords(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "dict.txt"  # type: ignore[operator]
    path.write_text("量子点显示 n\n", encoding="utf-8")
    tk = Tokenizer(user_dict=str(path), stopwords=["显示器"])
    assert "量子点显示" in tk("量子点显示面板")
    assert "显示器" not in tk("显示器")


def test_private_jieba_instance_leaves_global_alone() -> None:
    import jieba

    Tokenizer()("工业互联网")
    assert "膜生物反应器" not in jieba.dt.FREQ or jieba.dt.FREQ.get("膜生物反应器", 0) == 0


def test_lazy_thread_safe_initialisation() -> None:
    tk = Tokenizer()
    results: list[list[str]] = []

    def work() -> None:
        results.append(tk("固态电池与碳化硅"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r == results[0] for r in results)


def test_params_roundtrip() -> None:
    tk = Tokenizer(mode="default", bigrams=True, min_len=2)
    assert Tokenizer(**tk.get_params()).get_params() == tk.get_params()
    with pytest.raises(ValueError):
        Tokenizer(mode="fast")


def test_common_single_characters_do_not_score_but_rare_ones_do() -> None:
    tok = Tokenizer()
    words = tok("不大用 铜 锂 焊点")
    assert not {"不", "大", "用"} & set(words)
    assert {"铜", "锂", "焊点"} <= set(words)
    assert "用" in Tokenizer(char_freq_max=None)("不大用")


def test_english_stop_words_go_and_endings_fold_but_acronyms_stay() -> None:
    tok = Tokenizer()
    assert tok("The coatings of the batteries were welded") == ["coat", "battery", "weld"]
    assert tok("AOI PCB 5G SiC inspection") == ["aoi", "pcb", "5g", "sic", "inspection"]
    assert Tokenizer(english=False)("the coatings") == ["the", "coatings"]


@pytest.mark.parametrize(("word", "stem"), [
    ("batteries", "battery"), ("coatings", "coat"), ("coating", "coat"), ("plugged", "plug"),
    ("drilled", "drill"), ("processes", "process"), ("analysis", "analysis"), ("speed", "speed"),
    ("boxes", "box"), ("things", "thing"), ("pm2.5", "pm2.5"), ("sic", "sic"),
])
def test_english_stem(word: str, stem: str) -> None:
    assert english_stem(word) == stem


def test_preload_gives_later_tokenizers_its_dictionary(monkeypatch: pytest.MonkeyPatch) -> None:
    # A server's master preloads before forking: the workers' tokenizers (same settings) must
    # use that jieba instance, not load their own. The test process must not stay frozen.
    import gc

    from matcher import DEFAULT_PARAMS, tokenizer

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    monkeypatch.setattr(tokenizer, "_SHARED", {})
    tokenizer.preload(**DEFAULT_PARAMS["tokenizer"])
    assert frozen == [True]
    (loaded,) = tokenizer._SHARED.values()
    later = Tokenizer(**DEFAULT_PARAMS["tokenizer"])
    assert later("锂离子电池正极材料")
    assert later._jieba is loaded
    assert Tokenizer(user_dict="")._ensure() is not loaded  # another dictionary: its own


def test_stored_tokens_follow_the_dictionary_contents(tmp_path: Path) -> None:
    # A new technical term changes how texts are cut: tokens (and explaining words) stored
    # under the old dictionary must be made again, though the settings name the same file.
    terms = tmp_path / "terms.txt"
    terms.write_text("钠离子\n", encoding="utf-8")
    params = {**DEFAULT_PARAMS["tokenizer"], "user_dict": str(terms)}
    before = (Tokenizer(**params).dictionary_digest(),
              Matcher(**{**DEFAULT_PARAMS, "tokenizer": params}).token_signature())
    assert Tokenizer(**params).dictionary_digest() == before[0]
    terms.write_text("钠离子\n硬碳负极材料\n", encoding="utf-8")
    after = (Tokenizer(**params).dictionary_digest(),
             Matcher(**{**DEFAULT_PARAMS, "tokenizer": params}).token_signature())
    assert after[0] != before[0] and after[1] != before[1]
    # The packaged lists count too: other stop words, another digest.
    assert (Tokenizer(stopwords=["的"]).dictionary_digest()
            != Tokenizer().dictionary_digest())
