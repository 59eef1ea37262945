"""Which file an installer really installed a package from, and whether it is the released one.

With dependencies allowed from a second index, that index could serve a file of the released
package itself (dependency confusion): the same version with a higher build tag, or the same
filename with other content. A pin to ``==VERSION`` cannot rule that out; comparing the sha256 of
the file the installer took (pip's installation report says) with the built artifacts' does.
Pure: data in, verdict out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# One Python line that prints, from pip's installation report, the file a package came from as
# ``RK installed_file=`` / ``installed_url=`` / ``installed_sha256=`` lines (argv: report path, package).
# Single quotes only, so every shell dialect passes it intact; the URL loses any user:password@.
REPORT_PRINTER = (
    "import sys,json,re;c=lambda s:re.sub('[-_.]+','-',s).lower();"
    "r=json.load(open(sys.argv[1],encoding='utf-8'));"
    "i=[x for x in r.get('install',[]) if c(x['metadata']['name'])==c(sys.argv[2])];"
    "d=i[0].get('download_info',{}) if i else {};a=d.get('archive_info',{});"
    "h=a.get('hashes',{}).get('sha256') or a.get('hash','').partition('sha256=')[2];"
    "u=re.sub('//[^/@]*@','//',d.get('url',''));"
    "print('RK installed_url='+u);print('RK installed_file='+u.split('#')[0].rsplit('/',1)[-1]);"
    "print('RK installed_sha256='+h)"
)


@dataclass(frozen=True)
class InstalledFile:
    """The file a package was installed from: its name, where it came from, its sha256 (may be unknown)."""

    name: str
    url: str = ""
    sha256: str = ""


def canonical_name(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def from_report(report: Mapping[str, Any], package: str) -> InstalledFile | None:
    """The file ``package`` was installed from, per a pip installation report (``pip install --report``).

    pip verifies the index's hash of a file it downloads and computes one for a file without; both
    land in ``download_info.archive_info`` (``hashes`` since pip 23, ``hash`` before).
    """
    for item in report.get("install") or []:
        if canonical_name(str((item.get("metadata") or {}).get("name", ""))) != canonical_name(package):
            continue
        info = item.get("download_info") or {}
        archive = info.get("archive_info") or {}
        sha = (archive.get("hashes") or {}).get("sha256") or str(archive.get("hash", "")).partition("sha256=")[2]
        url = re.sub(r"//[^/@]*@", "//", str(info.get("url", "")))
        return InstalledFile(name=url.split("#")[0].rsplit("/", 1)[-1], url=url, sha256=sha)
    return None


def from_results(results: Mapping[str, str]) -> InstalledFile | None:
    """The same, from the ``RK installed_*`` lines a host's verify script printed (see REPORT_PRINTER)."""
    if not results.get("installed_file") and not results.get("installed_sha256"):
        return None
    return InstalledFile(results.get("installed_file", ""), results.get("installed_url", ""),
                         results.get("installed_sha256", ""))


def _kind(filename: str) -> str:
    return "wheel" if filename.endswith(".whl") else "sdist"


def mismatch(requirement: str, installed: InstalledFile | None, expected: Mapping[str, str]) -> str | None:
    """None when the installed file is one of ``expected`` (filename -> sha256), byte for byte; else
    the one line that says what was installed instead, naming both hashes."""
    if not expected:
        return None
    if installed is None or not installed.sha256:
        what = installed.name if installed and installed.name else "it"
        return f"cannot tell which file {requirement} was installed from: the installer reported no sha256 for {what}"
    if installed.sha256 in expected.values():
        return None
    if installed.name in expected:
        wanted = {installed.name: expected[installed.name]}
    else:
        wanted = {n: s for n, s in expected.items() if _kind(n) == _kind(installed.name)} or dict(expected)
    uploaded = " or ".join(f"{name} with sha256 {sha}" for name, sha in sorted(wanted.items()))
    where = f" ({installed.url})" if installed.url else ""
    return (f"{requirement} was installed from {installed.name or 'an unnamed file'} with sha256 "
            f"{installed.sha256}{where}, not from the released {uploaded}")
