"""SAAS_STORAGE_URL -> a backend.

file://<path>
    A local folder. `file:///srv/kabinet/files` (absolute) or `file://.data/files`
    (relative to the working directory). The default is `file://<data dir>/files`.

s3://<access key>:<secret key>@<host>[:<port>]/<bucket>[?<options>]
    Any S3-compatible endpoint (MinIO, AWS S3, ...) through the `minio` client. Keys and
    secrets are percent-encoded if they contain reserved characters (`/` is `%2F`). Without
    `<access key>:<secret key>@`, credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
    (or MINIO_ACCESS_KEY/MINIO_SECRET_KEY). Options:
      secure=true|false        HTTPS to the endpoint (default true)
      region=<name>            bucket region, used for signing (default us-east-1)
      public_endpoint=<url>    scheme://host[:port] browsers use for presigned links, when it
                               differs from the endpoint the servers use
      connect_timeout=<sec>    (default 3) a refused connection is reported quickly
      read_timeout=<sec>       (default 60)
    Example: s3://kabinet:s3cr3t@minio.internal:9000/kabinet-files?secure=false
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from saas.storage.base import ObjectStore
from saas.storage.folder import FolderStore
from saas.storage.s3 import S3Store


class InvalidStorageUrl(ValueError):
    pass


TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}
S3_OPTIONS = {"secure", "region", "public_endpoint", "connect_timeout", "read_timeout"}


def _flag(value: str, name: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise InvalidStorageUrl(f"{name} must be true or false, got {value!r}")


def open_store(url: str, *, secret_key: str, link_base: str = "/files") -> ObjectStore:
    """The backend a storage URL names (no I/O; `prepare()`/`check()` touch the storage)."""
    if url.startswith("file://"):
        raw = unquote(url[len("file://") :])
        if not raw:
            raise InvalidStorageUrl("file:// needs a folder path")
        return FolderStore(Path(raw), secret_key, link_base=link_base)
    if url.startswith("s3://"):
        return _s3(url)
    scheme = url.split("://", 1)[0] if "://" in url else url
    raise InvalidStorageUrl(f"SAAS_STORAGE_URL must start with file:// or s3://, not {scheme!r}")


def _s3(url: str) -> ObjectStore:
    parts = urlsplit(url)
    if not parts.hostname:
        raise InvalidStorageUrl("s3:// needs a host: s3://KEY:SECRET@host:port/bucket")
    bucket = parts.path.strip("/")
    if not bucket or "/" in bucket:
        raise InvalidStorageUrl("s3:// needs exactly one bucket name as its path")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = set(query) - S3_OPTIONS
    if unknown:
        raise InvalidStorageUrl(f"unknown s3:// options: {', '.join(sorted(unknown))}")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    endpoint = f"{host}:{parts.port}" if parts.port else host
    access_key = unquote(parts.username) if parts.username else None
    secret_key = unquote(parts.password) if parts.password else None
    if (access_key is None) != (secret_key is None):
        raise InvalidStorageUrl("s3:// takes both KEY:SECRET or neither")
    public_endpoint = public_secure = None
    if public := query.get("public_endpoint"):
        public_parts = urlsplit(public)
        if public_parts.scheme not in {"http", "https"} or not public_parts.netloc:
            raise InvalidStorageUrl("public_endpoint must look like https://files.example.com")
        public_endpoint, public_secure = public_parts.netloc, public_parts.scheme == "https"
    return S3Store(
        endpoint=endpoint,
        bucket=bucket,
        access_key=access_key,
        secret_key=secret_key,
        secure=_flag(query.get("secure", "true"), "secure"),
        region=query.get("region", "us-east-1"),
        public_endpoint=public_endpoint,
        public_secure=public_secure,
        connect_timeout=float(query.get("connect_timeout", 3)),
        read_timeout=float(query.get("read_timeout", 60)),
    )


def redacted(url: str) -> str:
    """The URL without its secret, for logs."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url
