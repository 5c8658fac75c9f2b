"""Paged PMS list reads over one bounded set of reader threads: several lists, and the pages
each is known to have, at once.

Open Dental's lists carry no total: a list ends at its first short page. Asking for pages
past the end would cost requests, and on the cloud a read-only key is throttled to about one
request per 5 s, so pages are asked ahead only as far as the same list went the last time it
was read (a hint kept per client, in memory). Past that, each list goes on one page at a time,
the lists still side by side. A list is returned only once every page of it has arrived.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from services.pms import parse
from services.pms.records import PmsBadAnswer

log = logging.getLogger("services.pms.paging")
T = TypeVar("T")
R = TypeVar("R")
MAX_PAGES = 500  # a server that never sends a short page must not loop forever
SERVER_PAGE_CAPS = frozenset({100, 1000})  # Remote pages at 100, Local/Service at 1,000
HINTS_KEPT = 64  # lists remembered (most recent); the rest start again from one page
_worker = threading.local()


class ReadPool:
    """At most `size` reader threads for one PMS client, started when first needed and kept.

    Work submitted from one of these threads runs right there, one item after another, so a
    read inside a read never waits for a thread that is waiting for it.
    """

    def __init__(self, size: int, name: str = "pms-read") -> None:
        self.size = max(1, size)
        self._name = name
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False
        self._lock = threading.Lock()

    def parallel(self) -> bool:
        """Whether work given now would run on several threads."""
        return self.size > 1 and not self._closed and getattr(_worker, "pool", None) is not self

    def map(self, work: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """`work` over `items`, results in order. The first failure in that order is raised
        (the items not started yet are not run); nothing is returned in part."""
        executor = self._started() if self.parallel() and len(items) > 1 else None
        if executor is None:
            return [work(item) for item in items]
        futures = [executor.submit(work, item) for item in items]
        try:
            return [f.result() for f in futures]
        finally:
            for f in futures:
                f.cancel()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            # The threads end after the request each is in (each has its own deadline).
            executor.shutdown(wait=False, cancel_futures=True)

    def _started(self) -> ThreadPoolExecutor | None:
        with self._lock:
            if self._closed:
                return None
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=self.size,
                    thread_name_prefix=self._name,
                    initializer=self._mark,
                )
            return self._executor

    def _mark(self) -> None:
        _worker.pool = self


@dataclass(frozen=True)
class ListAsk:
    """One paged list: its path, its query (without Limit and Offset) and what it holds."""

    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    what: str = "records"

    def key(self) -> bytes:
        # A digest, so that a searched name or phone is not kept in memory as a key.
        text = repr((self.path, sorted((k, str(v)) for k, v in self.params.items())))
        return hashlib.sha256(text.encode()).digest()


@dataclass
class _List:
    ask: ListAsk
    ahead: int  # pages to ask at once in the next round
    items: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 0  # requests made for it
    used: int = 0  # pages that were part of it (fewer when it shrank since the last read)
    capped: bool = False  # the server pages shorter than asked: offsets follow what came
    done: bool = False


class PageHints:
    """How many pages each list took the last time it was read, for the last HINTS_KEPT lists."""

    def __init__(self) -> None:
        self._pages: OrderedDict[bytes, int] = OrderedDict()
        self._lock = threading.Lock()

    def pages(self, ask: ListAsk) -> int:
        with self._lock:
            return max(1, self._pages.get(ask.key(), 1))

    def remember(self, ask: ListAsk, pages: int) -> None:
        with self._lock:
            self._pages[ask.key()] = max(1, pages)
            self._pages.move_to_end(ask.key())
            while len(self._pages) > HINTS_KEPT:
                self._pages.popitem(last=False)


Fetch = Callable[[str, dict[str, Any], str], Any]


class PagedReader:
    """Reads paged lists through `fetch` (one GET) on `pool`, pages of `page_size`."""

    def __init__(self, fetch: Fetch, pool: ReadPool, page_size: int, hints: PageHints) -> None:
        self._fetch, self._pool, self.page_size, self._hints = fetch, pool, page_size, hints

    def read(self, asks: Sequence[ListAsk]) -> list[list[dict[str, Any]]]:
        """Every page of each list, the lists in the order asked."""
        parallel = self._pool.parallel()
        lists = [_List(a, self._hints.pages(a) if parallel else 1) for a in asks]
        while pending := [x for x in lists if not x.done]:
            round_ = [
                (x, len(x.items) + j * self.page_size) for x in pending for j in range(x.ahead)
            ]
            answers = self._pool.map(lambda job: self._page(job[0].ask, job[1]), round_)
            for x in pending:
                self._take(x, [a for (y, _), a in zip(round_, answers, strict=True) if y is x])
        for x in lists:
            self._hints.remember(x.ask, 1 if x.capped else x.used)
        return [x.items for x in lists]

    def _page(self, ask: ListAsk, offset: int) -> list[dict[str, Any]]:
        query = {**ask.params, "Limit": self.page_size, "Offset": offset}
        batch = parse.as_list(self._fetch(ask.path, query, ask.path), ask.what)
        if len(batch) > self.page_size:
            raise parse.bad(f"a page of {ask.what} longer than asked for")
        return batch

    def _take(self, x: _List, answers: list[list[dict[str, Any]]]) -> None:
        """The round's pages in order, up to the list's end; pages asked past it are dropped."""
        x.pages += len(answers)
        x.ahead = 1
        for batch in answers:
            x.used += 1
            x.items.extend(batch)
            if len(batch) == self.page_size:
                continue
            # A page exactly at a server's own cap may be full, not final: a server that
            # pages at 100 while we asked for 1000 must not have its list cut short. The
            # pages asked after it assumed full pages, so they are asked again from here.
            if batch and len(batch) in SERVER_PAGE_CAPS:
                x.capped = True
                break
            x.done = True
            log.info(
                "pms.list_loaded",
                extra={"path_template": x.ask.path, "count": len(x.items), "page": x.pages},
            )
            return
        if x.pages >= MAX_PAGES:
            raise PmsBadAnswer("The practice-management system kept sending pages without end.")
