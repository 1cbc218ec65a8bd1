"""The soak sampler (`bench.soak`), which the chaos benchmark's soak reuses: what it reads from
/proc, and how it turns samples into growth figures."""

from __future__ import annotations

import os
import time

from bench.soak import ProcessSample, SoakSampler, growth_pct, malloc_stats, sample_process


def _at(t: float, rss: float) -> ProcessSample:
    return ProcessSample(at_s=t, rss_mib=rss, anon_mib=None, file_mib=None, threads=1, fds=1)


def test_a_sample_of_this_process_has_memory_threads_and_open_files():
    s = sample_process(os.getpid())
    assert s is not None
    assert s.rss_mib > 1 and s.anon_mib is not None and s.anon_mib > 0
    assert s.threads >= 1 and s.fds >= 3


def test_a_process_that_is_gone_gives_no_sample():
    assert sample_process(2**22 + 12345) is None


def test_the_sampler_samples_at_once_and_stops_when_asked():
    sampler = SoakSampler({"me": os.getpid()}, period_s=0.05, extra=lambda: {"x": 1}).start()
    time.sleep(0.3)
    sampler.stop()
    n = len(sampler.samples["me"])
    assert n >= 2 and sampler.extras[0]["x"] == 1
    time.sleep(0.15)
    assert len(sampler.samples["me"]) == n


def test_growth_counts_only_after_the_warm_up():
    samples = [_at(t, 100 + t) for t in range(0, 600, 15)]  # grows during warm-up
    samples += [_at(t, 700.0) for t in range(600, 1200, 15)]  # then flat
    assert growth_pct(samples, warmup_s=600) == 0.0
    growth = growth_pct(samples, warmup_s=0)
    assert growth is not None and growth > 100


def test_glibc_heap_figures_are_read_in_this_process():
    stats = malloc_stats()
    assert stats["in_use_mib"] >= 0 and stats["arenas"] >= 1
