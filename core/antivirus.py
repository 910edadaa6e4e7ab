"""The one place that talks to ClamAV, so tests and callers depend on three names only.

`scan(file)` streams a file to the clamd daemon at settings.CLAMAV_SOCKET: a Unix socket's
path, or `tcp://host:port` for a daemon in another container (clamd's usual port is 3310);
empty means no daemon is configured and nothing is scanned. It returns the name of what
ClamAV found, or None for a clean file, and raises ScannerUnavailable when a daemon is
configured but cannot answer: callers refuse the file then (fail closed), because a
scanner that is down must not wave files through.
"""

import logging
from urllib.parse import urlsplit

import clamd
from django.conf import settings

logger = logging.getLogger(__name__)


class ScannerUnavailable(Exception):
    """clamd is configured but did not give a verdict (down, timed out, refused the file)."""


def is_configured():
    return bool(settings.CLAMAV_SOCKET)


def _client(address):
    if address.startswith("tcp://"):
        parts = urlsplit(address)
        return clamd.ClamdNetworkSocket(
            host=parts.hostname, port=parts.port or 3310, timeout=settings.CLAMAV_TIMEOUT
        )
    return clamd.ClamdUnixSocket(path=address, timeout=settings.CLAMAV_TIMEOUT)


def scan(file):
    """What ClamAV finds in `file` (a signature name), or None if it is clean or no
    daemon is configured. The file is read from its start and rewound afterwards."""
    path = settings.CLAMAV_SOCKET
    if not path:
        return None
    client = _client(path)
    file.seek(0)
    try:
        result = client.instream(file)
    except (clamd.ClamdError, OSError) as error:  # OSError covers timeouts and refusals
        # BufferTooLongError (over StreamMaxLength) is a ClamdError too: unscanned is refused.
        logger.error("ClamAV at %s gave no verdict: %r", path, error)
        raise ScannerUnavailable(str(error)) from error
    finally:
        file.seek(0)
    status, signature = (result or {}).get("stream", (None, None))
    if status == "OK":
        return None
    if status == "FOUND":
        logger.warning("ClamAV found %s in an upload", signature)
        return signature or "malware"
    logger.error("ClamAV at %s answered %r", path, result)
    raise ScannerUnavailable(f"unexpected answer {result!r}")
