"""The benchmark harness runs (minicnn side only, 2 steps of mnist; never TF, no timing asserted)."""
import json

from benchmarks import compare


def test_compare_runs_minicnn_for_two_steps(tmp_path, capsys):
    out = tmp_path / "bench.json"
    rows = compare.main(["--models", "mnist", "--frameworks", "minicnn", "--steps", "2", "--warmup", "1",
                         "--repeats", "1", "--predict-samples", "64", "--predict-batch", "32",
                         "--json", str(out)])
    assert [r["framework"] for r in rows] == ["minicnn"]
    assert rows[0]["train"] > 0 and rows[0]["predict"] > 0 and rows[0]["speed_rss_mb"] > 0
    saved = json.loads(out.read_text())
    assert "error" not in saved["raw"][0], saved["raw"][0].get("error")
    assert "| mnist | minicnn |" in capsys.readouterr().out


def test_graph_benchmark_times_the_three_ways(capsys):
    from benchmarks import graph
    medians = graph.main(["--model", "mnist", "--batch", "4", "--repeats", "2"])
    assert set(medians) == {"sequential", "functional", "bare loop"} and all(v > 0 for v in medians.values())
    assert "| functional |" in capsys.readouterr().out
