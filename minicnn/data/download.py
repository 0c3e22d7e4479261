"""Verified, atomic file downloads.

``download(url, dest, md5)`` streams ``url`` into a temporary file next to ``dest``,
checks the byte count and md5, and only then renames it to ``dest`` with
``os.replace``. On any failure (network error, short stream, wrong md5, Ctrl-C) the
temporary file is deleted, so a file at ``dest`` is always a complete, verified copy.
"""
import hashlib
import http.client
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_TIMEOUT_SECONDS = 10.0
CHUNK_BYTES = 1 << 16


class DownloadError(OSError):
    """A download failed; the message says what to fetch and where to put it."""


def download(url, dest, md5, *, timeout=DEFAULT_TIMEOUT_SECONDS, progress=True):
    """Download ``url`` to the path ``dest`` and check its md5 hex digest.

    Creates the parent directory if needed and returns ``dest`` as a ``Path``.
    Shows a progress bar on stderr (one updating line on a terminal, a single summary
    line otherwise) unless ``progress=False``. Raises ``DownloadError`` on network
    errors, a short stream or an md5 mismatch; nothing is left at ``dest`` then.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as tmp:
            digest, size = _stream(url, tmp, dest, timeout, _ProgressBar(url, progress))
            tmp.flush()
            os.fsync(tmp.fileno())
        if digest != md5.lower():
            raise DownloadError(
                f"md5 mismatch for {url}: expected {md5}, got {digest} ({size} bytes); "
                f"the download was discarded. {_placement_hint(url, dest)}"
            )
        os.replace(tmp_name, dest)
    except BaseException:
        _remove_quietly(tmp_name)
        raise
    return dest


def _stream(url, out, dest, timeout, bar):
    """Copy the response body of ``url`` into the open file ``out``; return (md5 hex, size).

    ``dest`` is only used in error messages (where the user should put the file).
    """
    hasher = hashlib.md5(usedforsecurity=False)
    received = 0
    total = None
    complete = False
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            total = _content_length(response)
            bar.start(total)
            while chunk := response.read(CHUNK_BYTES):
                out.write(chunk)
                hasher.update(chunk)
                received += len(chunk)
                bar.update(received)
        complete = total is None or received == total
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:
        raise DownloadError(f"could not download {url} ({err}). {_placement_hint(url, dest)}") from err
    finally:
        bar.finish(received, complete)
    if not complete:
        raise DownloadError(
            f"download of {url} stopped after {received} of {total} bytes; "
            f"the partial file was discarded. {_placement_hint(url, dest)}"
        )
    return hasher.hexdigest(), received


def _content_length(response):
    length = response.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _placement_hint(url, dest):
    return f"Without internet access, download {url} elsewhere and place it at {dest}."


def _remove_quietly(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class _ProgressBar:
    """Download progress on stderr: live on a terminal, one summary line otherwise."""

    WIDTH = 30

    def __init__(self, url, enabled):
        self.url = url
        self.enabled = enabled
        self.live = enabled and sys.stderr.isatty()
        self.total = None
        self.started = time.monotonic()
        self.last_draw = 0.0

    def start(self, total):
        self.total = total
        self.started = time.monotonic()

    def update(self, received):
        now = time.monotonic()
        if not self.live or now - self.last_draw < 0.1:
            return
        self.last_draw = now
        if self.total:
            done = int(self.WIDTH * received / self.total)
            bar = "=" * done + " " * (self.WIDTH - done)
            text = f"[{bar}] {received / 1e6:.1f}/{self.total / 1e6:.1f} MB"
        else:
            text = f"{received / 1e6:.1f} MB"
        sys.stderr.write(f"\rDownloading {Path(self.url).name} {text}")
        sys.stderr.flush()

    def finish(self, received, complete):
        if not self.enabled:
            return
        seconds = time.monotonic() - self.started
        outcome = "Downloaded" if complete else "Failed after"
        prefix = "\r" if self.live else ""
        sys.stderr.write(
            f"{prefix}{outcome} {received / 1e6:.1f} MB from {self.url} in {seconds:.1f} s\n"
        )
        sys.stderr.flush()
