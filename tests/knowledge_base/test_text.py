"""Text clean-up and short summaries."""

from __future__ import annotations

from knowledge_base.cache import LRUCache
from knowledge_base.text import clean_text, first_sentences, sentences, shorten


def test_clean_text_strips_tags_entities_and_invisible_characters():
    raw = "<div>Hei&nbsp;maailma<br/>toinen\u200b rivi</div>\r\n\r\n\r\n<ul><li>a</li></ul>"
    assert clean_text(raw) == "Hei maailma\ntoinen rivi\n\na"
    assert clean_text(None) == ""
    assert clean_text("&lt;p&gt;Escaped&lt;/p&gt; 5 &lt; 10") == "Escaped\n5 < 10"


def test_first_sentences_keeps_at_most_two():
    text = "Hae lupaa verkossa. Käsittely kestää viikon. Maksu on 50 euroa."
    assert first_sentences(text) == "Hae lupaa verkossa. Käsittely kestää viikon."
    assert first_sentences("1. Kirjaudu.\n2. Täytä hakemus.", count=3) == "Kirjaudu. Täytä hakemus."
    assert sentences("") == []


def test_shorten_cuts_at_a_word():
    assert shorten("one two three four", 12) == "one two…"
    assert shorten("short", 12) == "short"


def test_lru_cache_drops_the_least_recently_used():
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None
    assert cache.get("a") == 1
    assert len(cache) == 2
