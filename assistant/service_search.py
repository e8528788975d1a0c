"""The knowledge base as an asyncio service: loaded once in the background, queried off the loop.

The gateway (`/api/services/...`) and the action server (`action_search_services`) each
hold one `ServiceSearchProvider`. Loading reads the persisted index and warms the
embedding model in a worker thread as soon as the process starts, so neither the event
loop nor the first resident waits on it more than once. Every search runs in a small
thread pool: embedding a query and scanning FAISS are CPU work, and the event loop must
keep serving other conversations meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from knowledge_base.models import AnswerCard, SearchResult, ServiceDocument
from knowledge_base.search import ServiceSearch

log = logging.getLogger(__name__)

# Two threads: one query can embed while another scans the indexes.
SEARCH_THREADS = 2


class ServiceSearchUnavailable(RuntimeError):
    """The index could not be loaded (missing, corrupt, or built with another model)."""


class ServiceSearchProvider:
    """Loads `ServiceSearch` from `index_dir` in the background and runs queries in threads."""

    def __init__(self, index_dir: Path, embedder: str, *, build_if_missing: bool = False) -> None:
        self.index_dir = index_dir
        self.embedder = embedder
        self._build = build_if_missing
        self._pool = ThreadPoolExecutor(SEARCH_THREADS, thread_name_prefix="apuri-search")
        self._loading: Future[ServiceSearch] | None = None

    def start(self) -> None:
        """Starts loading (and warming) the index in a worker thread; returns at once."""
        if self._loading is None:
            self._loading = self._pool.submit(self._load)

    def _load(self) -> ServiceSearch:
        if not self._build and not (self.index_dir / "manifest.json").exists():
            raise ServiceSearchUnavailable("no knowledge-base index: run 'apuri kb build'")
        try:
            search = ServiceSearch.open(self.index_dir, self.embedder)
        except Exception as error:
            log.exception("knowledge base failed to load")
            raise ServiceSearchUnavailable(f"the knowledge base failed to load: {error}") from error
        log.info("knowledge base ready: %d services", len(search.index.service_ids))
        return search

    @property
    def ready(self) -> bool:
        """Whether the index has loaded successfully."""
        loading = self._loading
        return loading is not None and loading.done() and loading.exception() is None

    def problem(self) -> str | None:
        """None when the index is loaded; otherwise why not ("loading", or the failure)."""
        loading = self._loading
        if loading is None or not loading.done():
            return "loading"
        error = loading.exception()
        return None if error is None else str(error)

    async def get(self) -> ServiceSearch:
        """The loaded search, waiting for the load to finish if it is still running."""
        self.start()
        assert self._loading is not None
        return await asyncio.wrap_future(self._loading)

    async def search(self, query: str, lang: str | None, k: int = 5) -> SearchResult:
        """`ServiceSearch.search` in a worker thread."""
        search = await self.get()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, search.search, query, lang, k)

    async def card(self, service_id: int, lang: str | None) -> AnswerCard | None:
        """One service's answer card, in `lang` or the best language it has."""
        search = await self.get()
        return search.get_service(service_id, lang)

    async def document(self, service_id: int, lang: str) -> ServiceDocument | None:
        """One service's full document in `lang`, or in the best language it has."""
        search = await self.get()
        found = search.index.document(service_id, search.resolve_lang("", lang))
        return found[0] if found else None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
