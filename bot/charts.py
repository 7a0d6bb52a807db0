"""PNG charts with matplotlib, headless (Agg). The core only knows the ChartRenderer port;
matplotlib is imported on the first chart, so commands that never draw never load it.

Charts are drawn in a worker process: matplotlib keeps the GIL for most of a drawing, so a
thread would still stall the event loop (measured: ~37 ms per /progress). The worker starts
at start-up (`warm`) or on the first chart, and the same data is drawn once (an LRU of PNGs keyed by
the chart's data: a person asking twice the same day, before logging more, gets the cache).
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING

from bot.core.progress import ProgressChart

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Colours that stay apart for colour-blind readers (Okabe-Ito), one per muscle group.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
SESSIONS_COLOUR = "#0072B2"
PLAN_COLOUR = "#D55E00"

# Figures are independent objects, but matplotlib's font and text caches are shared: one
# chart at a time keeps rendering from worker threads safe.
_lock = threading.Lock()


def progress_figure(chart: ProgressChart) -> Figure:
    """Two panels over the same weeks: sessions against the plan, and stacked sets per group."""
    from matplotlib.figure import Figure

    labels = [d.strftime("%d %b") for d in chart.week_starts]
    x = list(range(len(labels)))
    fig = Figure(figsize=(8, 6), dpi=100, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(1, 1.4))
    fig.suptitle(chart.title)

    top.bar(x, chart.sessions, color=SESSIONS_COLOUR, label="Sessions")
    if chart.planned:
        top.axhline(chart.planned, color=PLAN_COLOUR, linestyle="--", label="Plan")
    top.set_ylabel("Sessions")
    top.set_ylim(0, max([chart.planned, *chart.sessions]) + 1)
    top.yaxis.get_major_locator().set_params(integer=True)
    top.legend(loc="upper left", fontsize="small", frameon=False)

    stacked = [0] * len(x)
    for i, (name, values) in enumerate(chart.group_sets):
        bottom.bar(x, values, bottom=stacked, label=name, color=PALETTE[i % len(PALETTE)])
        stacked = [a + b for a, b in zip(stacked, values, strict=True)]
    bottom.set_ylim(0, max(stacked, default=0) * 1.3 + 1)  # headroom for the legend
    bottom.set_ylabel("Sets per muscle group")
    bottom.yaxis.get_major_locator().set_params(integer=True)
    if chart.group_sets:
        bottom.legend(loc="upper left", fontsize="small", frameon=False, ncols=2)
    bottom.set_xticks(x, labels, rotation=30, ha="right")
    bottom.set_xlabel("Week starting")
    return fig


def draw_progress_png(chart: ProgressChart) -> bytes:
    """The chart as PNG bytes, drawn here and now (in the worker process)."""
    with _lock:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig = progress_figure(chart)
        FigureCanvasAgg(fig)
        out = io.BytesIO()
        fig.savefig(out, format="png")
    return out.getvalue()


_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _worker_pool() -> ProcessPoolExecutor:
    """One drawing process for the whole program, started on first use. spawn, not fork:
    the bot's process has threads (SQLite's) that a fork would copy mid-flight; and the
    worker is the bot's own child, which ends when the bot does (its queue closes)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=context,
                initializer=_end_with_parent,
                initargs=(os.getpid(),),
            )
        return _pool


def _end_with_parent(parent: int) -> None:
    """In the worker: exit once the bot is gone (killed, even with SIGKILL), rather than
    wait on its queue for ever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _submit(chart: ProgressChart) -> Future[bytes]:
    return _worker_pool().submit(draw_progress_png, chart)


def _load_matplotlib() -> None:
    from matplotlib.backends import backend_agg  # noqa: F401


async def warm() -> None:
    """Start the drawing process and load matplotlib in it (about a second of CPU, off the
    event loop), so the first /progress after start-up doesn't wait for that. The bot calls
    it once it runs; one-shot commands never start the process."""
    future = await asyncio.to_thread(lambda: _worker_pool().submit(_load_matplotlib))
    await asyncio.wrap_future(future)


class MatplotlibCharts:
    """The ChartRenderer the app injects into the Coach."""

    def __init__(self, cache_size: int = 256) -> None:
        self._cache: OrderedDict[ProgressChart, bytes] = OrderedDict()
        self._cache_size = cache_size

    async def progress_png(self, chart: ProgressChart) -> bytes:
        png = self._cache.get(chart)
        if png is not None:
            self._cache.move_to_end(chart)
            return png
        # Submitted from a thread: the first submit starts the worker process, which must not
        # happen on the event loop either.
        future = await asyncio.to_thread(_submit, chart)
        png = await asyncio.wrap_future(future)
        self._cache[chart] = png
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return png
