from pathlib import Path

from minicnn.data.paths import resolve_data_dir


def test_explicit_argument_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("MINICNN_DATA", "/somewhere/else")
    assert resolve_data_dir(tmp_path) == tmp_path


def test_env_var_then_home_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("MINICNN_DATA", str(tmp_path))
    assert resolve_data_dir() == tmp_path
    monkeypatch.setenv("MINICNN_DATA", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert resolve_data_dir() == tmp_path / "home" / ".cache" / "minicnn"
    monkeypatch.delenv("MINICNN_DATA")
    assert resolve_data_dir() == tmp_path / "home" / ".cache" / "minicnn"


def test_tilde_is_expanded_and_result_absolute(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_data_dir("~/d") == tmp_path / "d"
    assert resolve_data_dir("relative").is_absolute()
    assert isinstance(resolve_data_dir("x"), Path)
