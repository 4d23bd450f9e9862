from conversation.domain.search import MAX_SNIPPET_CHARS, split_highlights

S, E = "\ue000", "\ue001"


def test_marks_become_code_point_spans():
    snippet = split_highlights(f"Where is my {S}order{E} #{S}12345{E}? Café ✓", S, E)
    assert snippet.text == "Where is my order #12345? Café ✓"
    assert [snippet.text[s:e] for s, e in snippet.highlights] == ["order", "12345"]


def test_long_snippets_are_cut_and_spans_kept_inside():
    marked = "a" * 236 + f"{S}match{E}" + "b" * 50 + f"{S}late{E}"
    snippet = split_highlights(marked, S, E)
    assert len(snippet.text) == MAX_SNIPPET_CHARS and snippet.text.endswith("…")
    assert snippet.highlights == [(236, MAX_SNIPPET_CHARS - 1)]


def test_no_marks_no_spans():
    assert split_highlights("plain", S, E).highlights == []
