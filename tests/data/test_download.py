import hashlib
import http.server
import threading

import pytest

from minicnn.data.download import DownloadError, download

PAYLOAD = bytes(range(256)) * 1000  # 256 kB, several chunks
PAYLOAD_MD5 = hashlib.md5(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/short":  # promises the whole payload, sends half, hangs up
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[:len(PAYLOAD) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.path == "/missing":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        self.wfile.write(PAYLOAD)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _leftovers(directory):
    return sorted(p.name for p in directory.iterdir())


def test_http_download_with_right_md5(server_url, tmp_path, capsys):
    dest = tmp_path / "sub" / "file.bin"
    assert download(f"{server_url}/file.bin", dest, PAYLOAD_MD5) == dest
    assert dest.read_bytes() == PAYLOAD
    assert _leftovers(dest.parent) == ["file.bin"]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\r" not in err and "Downloaded 0.3 MB" in err


def test_wrong_md5_leaves_nothing(server_url, tmp_path):
    dest = tmp_path / "file.bin"
    with pytest.raises(DownloadError, match=rf"md5 mismatch .*expected {'0' * 32}, got {PAYLOAD_MD5}.*place it at .*file\.bin"):
        download(f"{server_url}/file.bin", dest, "0" * 32, progress=False)
    assert _leftovers(tmp_path) == []


def test_short_stream_leaves_nothing(server_url, tmp_path):
    dest = tmp_path / "file.bin"
    with pytest.raises(DownloadError, match=r"file\.bin"):
        download(f"{server_url}/short", dest, PAYLOAD_MD5, progress=False)
    assert _leftovers(tmp_path) == []


def test_http_error_and_refused_connection(server_url, tmp_path):
    with pytest.raises(DownloadError, match=r"could not download .*/missing .*404.*place it at"):
        download(f"{server_url}/missing", tmp_path / "f", PAYLOAD_MD5, progress=False)
    with pytest.raises(DownloadError, match=r"could not download http://127\.0\.0\.1:9/x"):
        download("http://127.0.0.1:9/x", tmp_path / "f", PAYLOAD_MD5, progress=False, timeout=2)
    assert _leftovers(tmp_path) == []


def test_file_url_and_existing_dest_replaced_only_on_success(tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(PAYLOAD)
    dest = tmp_path / "out" / "dest.bin"
    dest.parent.mkdir()
    dest.write_bytes(b"old")
    with pytest.raises(DownloadError):
        download(source.as_uri(), dest, "f" * 32, progress=False)
    assert dest.read_bytes() == b"old"
    download(source.as_uri(), dest, PAYLOAD_MD5.upper(), progress=False)
    assert dest.read_bytes() == PAYLOAD
    assert _leftovers(dest.parent) == ["dest.bin"]


def test_interrupt_mid_stream_leaves_nothing(server_url, tmp_path, monkeypatch):
    import hashlib as real_hashlib

    class ExplodingHash:
        def __init__(self):
            self.calls = 0

        def update(self, chunk):
            self.calls += 1
            if self.calls == 2:
                raise KeyboardInterrupt

    monkeypatch.setattr(real_hashlib, "md5", lambda **kwargs: ExplodingHash())
    with pytest.raises(KeyboardInterrupt):
        download(f"{server_url}/file.bin", tmp_path / "file.bin", PAYLOAD_MD5, progress=False)
    assert _leftovers(tmp_path) == []
