"""Search text → FTS5 and tsquery text: only quoted letters and digits reach the database."""

import re

import pytest

from app.services.search_text import CLOSE, MAX_PHRASES, OPEN, any_of, parse, unmark


def test_words_are_all_required_and_quoted() -> None:
    query = parse("Cluster  policies")
    assert query is not None
    assert query.fts5() == '("cluster") AND ("policies")'
    assert query.tsquery() == "(('cluster')) & (('policies'))"


def test_or_groups_its_neighbours_like_a_web_search() -> None:
    query = parse("clusters or networks funding -loans")
    assert query is not None
    assert query.fts5() == '(("clusters" OR "networks") AND ("funding")) NOT ("loans")'
    assert query.tsquery() == "(('clusters') | ('networks')) & (('funding')) & !('loans')"


def test_phrases_and_their_loose_form() -> None:
    query = parse('"smart specialisation" -"red tape"')
    assert query is not None and query.has_phrase
    assert query.fts5() == '(("smart specialisation")) NOT ("red tape")'
    assert query.tsquery() == "(('smart' <-> 'specialisation')) & !('red' <-> 'tape')"
    assert query.tsquery(loose=True) == "(('smart' & 'specialisation')) & !('red' <-> 'tape')"


@pytest.mark.parametrize("q", ['"', "*", "(", "-", "-cluster", "the of and", "or", "()", "___"])
def test_nothing_to_look_for_is_none(q: str) -> None:
    assert parse(q) is None


@pytest.mark.parametrize(
    "q", ["NEAR(a b, 2)", "title:x*", "a'b", 'x"y', "a & !b | c <-> d :*", "^x {a b}", "é_ü"]
)
def test_syntax_characters_never_reach_the_query(q: str) -> None:
    query = parse(q)
    assert query is not None
    words = re.findall(r'"([^"]*)"', query.fts5())
    assert all(re.fullmatch(r"[^\W_]+( [^\W_]+)*", w) for w in words), query.fts5()
    assert "'" not in "".join(re.findall(r"'([^']*)'", query.tsquery()))
    assert set(re.sub(r"'[^']*'", "", query.tsquery())) <= set("()&|!<-> ")


def test_queries_are_cut_at_max_phrases() -> None:
    query = parse(" ".join(f"w{n}" for n in range(100)))
    assert query is not None and len(query.groups) == MAX_PHRASES


def test_any_of_keeps_the_longest_significant_words() -> None:
    query = any_of(
        "The 2019 cluster of SMEs lacks venture capital, and the cluster is small", most=3
    )
    assert query is not None
    assert query.groups == ((("cluster",), ("venture",), ("capital",)),)  # "smes" is shorter
    assert any_of("a 1234 of it") is None


def test_unmark_gives_plain_text_and_ranges() -> None:
    text, ranges = unmark(f"  Open\nthe {OPEN}cluster{CLOSE}   to {OPEN}Clusters{CLOSE}… ")
    assert text == "Open the cluster to Clusters…"
    assert [text[a:b] for a, b in ranges] == ["cluster", "Clusters"]
    assert unmark(f"{CLOSE}x{OPEN}") == ("x", [])
