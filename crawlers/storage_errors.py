"""Clear messages for the crawl's own storage failures: a full disk, an I/O error, a store locked
by another process. These stop a site's run (status ``failed``); the message says what happened,
where, and that running the same command again continues the crawl once the cause is gone.
"""

from __future__ import annotations

import errno

from sqlalchemy.exc import DBAPIError, OperationalError

_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
AGAIN = "run the same command again to continue the crawl (nothing stored is lost)"


def describe_storage_error(exc: BaseException, *, store_url: str, warc_file: str | None) -> str | None:
    """A one-line message for a storage failure, or None when ``exc`` is not one."""
    if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
        where = f"the WARC evidence ({warc_file})" if warc_file else "the evidence folder"
        if exc.errno in _FULL_ERRNOS:
            return f"disk full while writing {where}: {exc.strerror}. Free some disk space, then {AGAIN}"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return f"cannot write {where}: {exc.strerror}. Make the folder writable, then {AGAIN}"
        return None
    if isinstance(exc, (OperationalError, DBAPIError)):
        detail = str(getattr(exc, "orig", exc)).strip() or type(exc).__name__
        lower = detail.lower()
        if "database or disk is full" in lower or "no space left" in lower:
            return f"disk full while writing the store {store_url}: {detail}. Free some disk space, then {AGAIN}"
        if "disk i/o error" in lower or "file too large" in lower:
            return (f"disk full or I/O error while writing the store {store_url}: {detail}. "
                    f"Check the free space and the disk, then {AGAIN}")
        if "database is locked" in lower or "database table is locked" in lower:
            return (f"the store is locked by another process ({store_url}): {detail}. Wait for that process "
                    f"to finish or stop it, then {AGAIN}")
    return None
