"""The benchmark harness runs (minicnn side only, 2 steps of mnist; never TF, no timing asserted)."""
import json

import pytest

from benchmarks import compare, guards


def test_compare_runs_minicnn_for_two_steps(tmp_path, capsys):
    out = tmp_path / "bench.json"
    rows = compare.main(["--models", "mnist", "--frameworks", "minicnn", "--steps", "2", "--warmup", "1",
                         "--repeats", "1", "--predict-samples", "64", "--predict-batch", "32",
                         "--settle-timeout", "0", "--variant", "minicnn_nosplit:MINICNN_SPLIT_PARTS=1",
                         "--json", str(out)])
    assert [r["framework"] for r in rows] == ["minicnn", "minicnn_nosplit"]
    assert rows[1]["train"] > 0
    assert rows[0]["train"] > 0 and rows[0]["predict"] > 0 and rows[0]["speed_rss_mb"] > 0
    saved = json.loads(out.read_text())
    speed = [r for r in saved["raw"] if r["mode"] == "speed"]
    assert "error" not in speed[0], speed[0].get("error")
    printed = capsys.readouterr().out
    assert "| mnist | minicnn |" in printed and "| mnist | minicnn_nosplit |" in printed
    # the guards: load recorded around every measurement, sgemm peaks on 1 and 2 threads (start and end)
    assert all("load_before" in r and "load_after" in r and "background_cores" in r for r in saved["raw"])
    peaks = [r for r in saved["raw"] if r["mode"] == "sgemm"]
    assert sorted(r["threads_used"] for r in peaks) == [1, 1, 2, 2]
    assert all(r["sgemm_gflops"] > 0 for r in peaks), peaks
    assert rows[0]["train_flops_per_image"] == guards.training_flops_per_image("mnist")
    assert 0 < rows[0]["compute_fraction"] < 1
    assert "% of limit" in printed and "sgemm peak" in printed and saved["machine"]["cpu"] in printed
    assert ("NOT COMPARABLE" in printed) == bool(saved["machine"]["not_comparable"])
    # the BLAS kernel is named, and one forced by the environment makes the table not comparable
    assert all(r["blas"] and "blas_warnings" in r for r in peaks)
    assert "NumPy's BLAS:" in printed and guards.blas_names(peaks[0]["blas"]) in printed
    assert set(peaks[0]["blas_warnings"]) <= set(saved["machine"]["not_comparable"])


def test_blas_line_names_the_kernel_and_warns_of_a_pin(monkeypatch):
    from minicnn.kernels import blas
    haswell = [{"internal_api": "openblas", "version": "0.3.31", "architecture": "Haswell", "num_threads": 2}]
    monkeypatch.setattr(blas, "describe", lambda: haswell)
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    line = guards.blas_line()
    assert line.startswith("NumPy's BLAS: openblas 0.3.31 (Haswell kernel). WARNING, not comparable:")
    monkeypatch.delenv("OPENBLAS_CORETYPE")
    monkeypatch.delenv("OPENBLAS_L2_SIZE", raising=False)
    monkeypatch.setattr(guards, "cpu_description", lambda: {"avx512": False})
    assert guards.blas_line() == "NumPy's BLAS: openblas 0.3.31 (Haswell kernel)"


def test_training_flops_of_the_mnist_model_by_hand():
    conv = 2 * 26 * 26 * 9 * 1 * 32            # the first layer: forward and dK, no dx
    dense = 2 * 5408 * 100 + 2 * 100 * 10      # forward, dK and dx
    assert guards.training_flops_per_image("mnist") == 2 * conv + 3 * dense
    assert 225e6 < guards.training_flops_per_image("cifar_bn") < 235e6   # the 230 MFLOP


def test_not_comparable_names_the_load_and_the_background():
    quiet = {"load_before": 0.3, "load_after": 0.9, "background_cores": 0.05}
    assert guards.not_comparable([quiet], 1.0, 0.25) == []
    loaded = guards.not_comparable([quiet, dict(quiet, load_before=3.5)], 1.0, 0.25)
    assert len(loaded) == 1 and "3.50 > 1" in loaded[0]
    busy = guards.not_comparable([dict(quiet, background_cores=1.2)], 1.0, 0.25)
    assert len(busy) == 1 and "1.20 cores" in busy[0]


def test_settle_waits_for_the_load_and_gives_up_at_the_timeout(monkeypatch):
    loads = iter([2.0, 1.5, 0.8, 0.5])
    monkeypatch.setattr(guards, "load_average", lambda: next(loads))
    slept = []
    assert guards.settle(1.0, timeout=60, sleep=slept.append) == 0.8
    assert len(slept) == 2
    monkeypatch.setattr(guards, "load_average", lambda: 3.0)
    assert guards.settle(1.0, timeout=0, sleep=slept.append) == 3.0


def test_load_probe_and_cpu_description():
    with guards.LoadProbe() as probe:
        sum(range(10000))
    assert set(probe.record) == {"load_before", "load_after", "background_cores"}
    info = guards.cpu_description()
    assert info["model"] and info["cores"] >= 1
    assert info["model"] in guards.describe_cpu(info)


def test_sgemm_peak_is_positive():
    assert guards.sgemm_peak(size=128, repeats=2) > 0


def test_variant_parsing():
    assert compare.parse_variant("minicnn_x:A=1,B=2") == ("minicnn_x", {"A": "1", "B": "2"})
    for bad in ("minicnn_x", "keras:A=1", "minicnn_x:A", "minicnn_base:A=1"):
        with pytest.raises(ValueError, match="--variant expects"):
            compare.parse_variant(bad)


def test_graph_benchmark_times_the_three_ways(capsys):
    from benchmarks import graph
    medians = graph.main(["--model", "mnist", "--batch", "4", "--repeats", "2"])
    assert set(medians) == {"sequential", "functional", "bare loop"} and all(v > 0 for v in medians.values())
    assert "| functional |" in capsys.readouterr().out


def test_handoff_benchmark_measures_its_round_trips(capsys):
    from benchmarks import handoff
    results = handoff.main(["--repeats", "20"])
    assert all(median > 0 and p90 >= median for median, p90 in results.values())
    assert "map_chunks of two empty chunks on 2 workers" in results
    assert "median" in capsys.readouterr().out
