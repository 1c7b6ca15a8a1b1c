"""Fetching data-set files: download with a short timeout, md5 check, safe tar
extraction, and one error that tells the user what to put where."""
import gzip
import hashlib
import os
import posixpath
import tarfile
import zlib

from rustorch._errors import DataNotFoundError, FormatError

TIMEOUT_S = 10  # per URL; an offline machine should fail fast, not hang


def md5_of(path, chunk=1 << 20):
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def check_md5(path, md5):
    return md5 is None or (os.path.isfile(path) and md5_of(path) == md5)


def _fetch(url, dest, md5):
    """Download ``url`` to ``dest`` (through a temporary name, so a broken
    download never looks complete). Raises OSError/ValueError on failure."""
    import urllib.request  # lazy: Pyodide has no sockets, and startup stays quick
    tmp = dest + ".part"
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "rustorch"})
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp, open(tmp, "wb") as out:
            while True:
                block = resp.read(1 << 20)
                if not block:
                    break
                out.write(block)
        if md5 is not None:
            got = md5_of(tmp)
            if got != md5:
                raise ValueError(f"md5 mismatch: got {got}, expected {md5}")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def download_file(urls, dest, md5=None, what="file"):
    """Try each URL in turn until one gives a file with the right md5 at ``dest``.
    Returns ``dest``; raises DataNotFoundError naming every URL and its failure."""
    if check_md5(dest, md5) and os.path.isfile(dest):
        return dest
    os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
    failures = []
    for url in urls:
        try:
            _fetch(url, dest, md5)
            return dest
        except Exception as e:  # noqa: BLE001 - any failure means: try the next URL
            failures.append(f"{url} ({type(e).__name__}: {e})")
    raise DataNotFoundError(
        f"could not download {what}; tried: " + "; ".join(failures)
        + f". Download it by hand and save it as '{dest}'")


def _check_member(member, dest):
    name = member.name
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if (name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":")
            or ".." in parts):
        raise FormatError(f"archive member '{name}' would be written outside '{dest}'; "
                          f"refusing to extract")
    if member.issym() or member.islnk():
        target = member.linkname
        base = posixpath.dirname("/".join(parts)) if member.issym() else ""
        resolved = posixpath.normpath(posixpath.join(base, target))
        if target.startswith(("/", "\\")) or resolved == ".." or resolved.startswith("../"):
            raise FormatError(f"archive member '{name}' links to '{target}' outside "
                              f"'{dest}'; refusing to extract")
    elif not (member.isfile() or member.isdir()):
        raise FormatError(f"archive member '{name}' is a device or fifo; refusing to extract")


def extract_tar(archive, dest):
    """Extract a (possibly compressed) tar into ``dest``, refusing absolute paths,
    '..' components, links that leave ``dest`` and special files."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for m in members:
                _check_member(m, dest)
            if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4: a second guard
                tar.extractall(dest, members=members, filter="data")
            else:
                tar.extractall(dest, members=members)
    except tarfile.TarError as e:
        raise FormatError(f"'{archive}' is not a valid tar archive: {e}") from None
    except (EOFError, zlib.error, gzip.BadGzipFile):
        raise FormatError(f"'{archive}' is truncated") from None
