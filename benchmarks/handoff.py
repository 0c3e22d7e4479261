"""What handing work to a second thread costs on this machine: why small layers run on one thread.

    python -m benchmarks.handoff [--repeats 3000]

Prints, in microseconds (median and 90th percentile of ``--repeats`` round trips):

* a ``threading.Event`` ping-pong between two Python threads pinned to the same CPU, and pinned to
  two different CPUs (``os.sched_setaffinity``; skipped with fewer than two CPUs): the cost of
  waking a sleeping thread and being woken back, with and without crossing CPUs;
* ``kernels.parallel.map_chunks`` of two empty chunks: the engine's fork/join on its workers.

A piece of work split over two workers pays about one of these round trips, so it must save more
than that. On the 2-core AMD EPYC Zen 5 VM the cross-CPU round trip took 62-74 us (once 161)
against 24-27 us on one CPU, and map_chunks 70-82 us; on the Zen 3 VM 134 us against 36 us, and
map_chunks 139 us (``kernels.parallel.SPLIT_MIN_FLOPS`` keeps smaller work on one thread).
"""
import argparse
import os
import statistics
import threading
import time


def _percentiles(times):
    times = sorted(times)
    return statistics.median(times) * 1e6, times[int(0.9 * (len(times) - 1))] * 1e6


def event_ping_pong(repeats, main_cpu=None, worker_cpu=None):
    """``(median, p90)`` us of ``repeats`` round trips: set an Event, wait for the worker's answer."""
    go, done = threading.Event(), threading.Event()
    stop = [False]

    def worker():
        if worker_cpu is not None:
            os.sched_setaffinity(0, {worker_cpu})
        while True:
            go.wait()
            go.clear()
            if stop[0]:
                return
            done.set()

    before = os.sched_getaffinity(0) if main_cpu is not None else None
    if main_cpu is not None:
        os.sched_setaffinity(0, {main_cpu})
    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    times = []
    try:
        for _ in range(repeats):
            t = time.perf_counter()
            go.set()
            done.wait()
            done.clear()
            times.append(time.perf_counter() - t)
    finally:
        stop[0] = True
        go.set()
        thread.join()
        if before is not None:
            os.sched_setaffinity(0, before)
    return _percentiles(times)


def map_chunks_round_trip(repeats):
    """``(median, p90)`` us of ``kernels.parallel.map_chunks`` over two empty chunks on two workers."""
    from minicnn.kernels import parallel
    workers = parallel.WORKERS
    parallel.WORKERS = 2
    try:
        parallel.map_chunks(lambda chunk, worker: None, [(0, 1), (1, 2)])
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            parallel.map_chunks(lambda chunk, worker: None, [(0, 1), (1, 2)])
            times.append(time.perf_counter() - t)
    finally:
        parallel.WORKERS = workers
    return _percentiles(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3000)
    args = parser.parse_args(argv)
    cpus = sorted(os.sched_getaffinity(0))
    results = {}
    if len(cpus) >= 2:
        results["Event ping-pong, both threads on one CPU"] = event_ping_pong(args.repeats, cpus[0], cpus[0])
        results["Event ping-pong, threads on two CPUs"] = event_ping_pong(args.repeats, cpus[0], cpus[1])
    else:
        print("one CPU only: the pinned ping-pongs are skipped")
    results["map_chunks of two empty chunks on 2 workers"] = map_chunks_round_trip(args.repeats)
    for label, (median, p90) in results.items():
        print(f"{label:48s} median {median:7.1f} us   p90 {p90:7.1f} us")
    return results


if __name__ == "__main__":
    main()
