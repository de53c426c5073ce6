"""What has been delivered: a month folder is complete when every extract has its file, and it is
identified by the fingerprints of those files (name, size, modification time). The warehouse records
the fingerprint of each file it was built from (audit.delivered_files), so a month re-delivered can be
told from one already built."""

from __future__ import annotations

import hashlib
from pathlib import Path

from dagster_project.defs.ingest.readers import FileProblem, find_file
from schemas.raw import CONTRACTS


def file_fingerprint(path: Path) -> str:
    stat = path.stat()
    return f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}"


def month_fingerprint(file_fingerprints: dict[str, str]) -> str:
    """One value for a month's files, by extract: equal exactly when every file is."""
    text = "\n".join(f"{extract}={fp}" for extract, fp in sorted(file_fingerprints.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def month_status(folder: Path) -> tuple[str | None, list[str]]:
    """(fingerprint of the delivered files, labels of the extracts still missing). Pure over the
    file system: the fingerprint is None while an extract is missing."""
    files, missing = {}, []
    for contract in CONTRACTS.values():
        try:
            files[contract.name] = file_fingerprint(find_file(folder, contract))
        except FileProblem:
            missing.append(contract.label)
    return (None if missing else month_fingerprint(files)), missing


def built_fingerprints(published: Path) -> dict[str, str]:
    """'YYYY-MM' -> fingerprint of the files the published months were built from."""
    if not published.exists():
        return {}
    from dagster_project.defs.file_copies import connect_published
    from dagster_project.defs.resources import table_exists

    with connect_published(published) as con:
        if not table_exists(con, "audit", "delivered_files"):
            return {}
        rows = con.execute(
            "select strftime(month, '%Y-%m'), extract, fingerprint from audit.delivered_files"
        ).fetchall()
    by_month: dict[str, dict[str, str]] = {}
    for month, extract, fingerprint in rows:
        by_month.setdefault(month, {})[extract] = fingerprint
    return {month: month_fingerprint(files) for month, files in by_month.items()}
