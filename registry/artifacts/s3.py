"""Model files in an S3-compatible bucket: ``s3://bucket/prefix``, through obstore.

Blobs are content-addressed as in a home folder, at ``prefix/blobs/<sha[:2]>/<sha>``, and
answer the same calls as ``BlobStore``. Endpoint, region and credentials come from the usual
AWS variables (``AWS_ENDPOINT_URL``, ``AWS_DEFAULT_REGION``/``AWS_REGION``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``; on AWS also the
instance or task role). Hashes are checked both ways: a streamed upload of up to
``SMALL_UPLOAD`` bytes is held in memory and written once it hashes to its address; a larger
one goes as a multipart upload to a temporary key under ``prefix/uploads/`` and is copied to
its address (a server-side copy) only if it does; downloads are hashed as they stream.
obstore's failures become ``ServerUnavailableError`` saying what is wrong and how to fix it
(bucket missing, credentials refused, endpoint unreachable), never a raw traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from datetime import timedelta

from registry.artifacts.blobs import CHUNK, BlobStream, check_sha, upload_error
from registry.errors import InvalidArgumentError, NotFoundError, ServerUnavailableError

SMALL_UPLOAD = 8 << 20
"""Uploads up to this size are checked in memory and written in one PUT."""
PART = 8 << 20
_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_CODE_RE = re.compile(r"<Code>(\w+)</Code>")
_CREDENTIALS = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken")
_UNREACHABLE = ("error sending request", "connect", "dns", "timed out", "timeout")


def parse_location(url: str) -> tuple[str, str]:
    """(bucket, prefix) of ``s3://bucket[/prefix]``; raises InvalidArgumentError."""
    rest = url[len("s3://") :] if url.startswith("s3://") else ""
    bucket, _, prefix = rest.partition("/")
    prefix = prefix.strip("/")
    if not _BUCKET_RE.fullmatch(bucket):
        raise InvalidArgumentError(
            f"Artifact location {url!r} does not name a bucket: use s3://bucket/prefix, with "
            "a bucket name of 3-63 lowercase letters, digits, '.' and '-'"
        )
    if prefix and any(part in ("", ".", "..") for part in prefix.split("/")):
        raise InvalidArgumentError(
            f"Artifact location {url!r} has an empty, '.' or '..' part in its prefix: use "
            "s3://bucket/prefix with a plain prefix such as 'registry' or 'team/models'"
        )
    return bucket, prefix


class S3BlobStore:
    """Immutable blobs named by the sha256 of their bytes, in ``s3://bucket/prefix``."""

    def __init__(self, url: str):
        self.bucket, self.prefix = parse_location(url)
        try:
            from obstore.store import S3Store
        except ImportError:
            raise InvalidArgumentError(
                f"Model files at {url} need obstore: pip install 'registry[s3]'"
            ) from None
        self.url = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self.endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get(
            "AWS_ENDPOINT_URL", "AWS's regional endpoint"
        )
        options = {"connect_timeout": timedelta(seconds=5), "timeout": timedelta(minutes=10)}
        if self.endpoint.startswith("http://"):
            options["allow_http"] = True  # asked for by the endpoint's own scheme
        self._store = S3Store(
            self.bucket,
            prefix=self.prefix or None,
            client_options=options,
            retry_config={"max_retries": 3, "retry_timeout": timedelta(seconds=20)},
        )
        self._verified: dict[str, tuple[object, ...]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"S3BlobStore({self.url!r})"

    def __reduce__(self):
        # Pickled with a store for another process: it opens its own client there.
        return (S3BlobStore, (self.url,))

    def location(self, sha: str) -> str:
        """The blob's URL, ``s3://bucket/prefix/blobs/<sha[:2]>/<sha>``."""
        return f"{self.url}/{self._key(sha)}"

    def check(self) -> None:
        """Reach the bucket once (a one-key listing); raises ServerUnavailableError saying
        what is wrong: a missing bucket, refused credentials, an unreachable endpoint."""
        import obstore

        with self._explained("listing the model files"):
            obstore.list_with_delimiter(self._store, "blobs/")

    def exists(self, sha: str) -> bool:
        """Whether an object for blob ``sha`` is present (its content is not checked)."""
        return self._head(sha) is not None

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its sha256; a no-op when an object of that size is
        there already (reads check the hash)."""
        import obstore

        sha = hashlib.sha256(data).hexdigest()
        head = self._head(sha)
        if head is None or head["size"] != len(data):
            with self._explained(f"writing model file {sha}"):
                obstore.put(self._store, self._key(sha), data, chunk_size=PART, max_concurrency=4)
        return sha

    def get(self, sha: str) -> bytes:
        """The bytes of blob ``sha``, checked against their hash; raises NotFoundError or
        IntegrityError."""
        return self.open(sha).read()

    def open(self, sha: str) -> BlobStream:
        """Blob ``sha`` as a ``BlobStream`` hashed as it downloads. Raises NotFoundError now
        if it is missing; IntegrityError comes from iterating."""
        import obstore

        key = self._key(sha)
        with self._explained(f"reading model file {sha}"):
            try:
                result = obstore.get(self._store, key)
            except FileNotFoundError:
                raise NotFoundError(
                    f"model file {sha} not found in the artifact store {self.url}; re-log the model"
                ) from None
        meta = result.meta
        version = (meta["e_tag"], meta["size"], meta["last_modified"])

        def verified() -> None:
            with self._lock:
                self._verified[sha] = version

        chunks = self._stream(result.stream(min_chunk_size=CHUNK), sha)
        return BlobStream(sha, meta["size"], chunks, self.location(sha), verified)

    def fingerprint(self, sha: str) -> tuple[object, ...] | None:
        """The object's (ETag, size, time) if this process verified that very version."""
        head = self._head(sha)
        if head is None:
            return None
        current = (head["e_tag"], head["size"], head["last_modified"])
        with self._lock:
            return current if self._verified.get(sha) == current else None

    async def receive(self, sha: str, chunks: AsyncIterable[bytes]) -> None:
        """Store the streamed bytes as blob ``sha`` only if they hash to it (IntegrityError
        otherwise, and nothing is kept at its address)."""
        import obstore

        key, digest = self._key(sha), hashlib.sha256()
        iterator, first = aiter(chunks), bytearray()
        async for chunk in iterator:
            digest.update(chunk)
            first += chunk
            if len(first) > SMALL_UPLOAD:
                break
        else:
            if digest.hexdigest() != sha:
                raise upload_error(sha, digest.hexdigest())
            with self._explained(f"writing model file {sha}"):
                await obstore.put_async(self._store, key, bytes(first), use_multipart=False)
            return

        async def rest() -> AsyncIterator[bytes]:
            yield bytes(first)
            async for chunk in iterator:
                digest.update(chunk)
                yield chunk

        temporary = f"uploads/{uuid.uuid4().hex}"
        try:
            with self._explained(f"writing model file {sha}"):
                await obstore.put_async(
                    self._store, temporary, rest(), chunk_size=PART, max_concurrency=4
                )
            if digest.hexdigest() != sha:
                raise upload_error(sha, digest.hexdigest())
            with self._explained(f"writing model file {sha}"):
                await obstore.copy_async(self._store, temporary, key)
        finally:
            with contextlib.suppress(Exception):
                await obstore.delete_async(self._store, temporary)

    def _key(self, sha: str) -> str:
        check_sha(sha)
        return f"blobs/{sha[:2]}/{sha}"

    def _head(self, sha: str):
        import obstore

        key = self._key(sha)
        with self._explained(f"looking for model file {sha}"):
            try:
                return obstore.head(self._store, key)
            except FileNotFoundError:
                return None

    def _stream(self, stream, sha: str) -> Iterator[bytes]:
        with self._explained(f"reading model file {sha}"):
            for chunk in stream:
                yield bytes(chunk)

    @contextlib.contextmanager
    def _explained(self, action: str) -> Iterator[None]:
        """Turn obstore's failures into ServerUnavailableError with a way to fix them."""
        from obstore.exceptions import BaseError

        try:
            yield
        except FileNotFoundError as error:
            if "NoSuchBucket" not in str(error):
                raise
            raise ServerUnavailableError(self._explain(error, action)) from None
        except (BaseError, OSError) as error:
            raise ServerUnavailableError(self._explain(error, action)) from None

    def _explain(self, error: BaseException, action: str) -> str:
        text = str(error)
        codes = _CODE_RE.findall(text)
        code = codes[0] if codes else ""
        where = f"the artifact store {self.url} (endpoint {self.endpoint})"
        if code == "NoSuchBucket":
            return (
                f"Bucket {self.bucket!r} does not exist at {where}: create it "
                f"(aws s3 mb s3://{self.bucket}) or point --artifacts / REGISTRY_ARTIFACTS at "
                "an existing one"
            )
        if code in _CREDENTIALS or "401" in text:
            return (
                f"{where} refused the credentials ({code or 'unauthenticated'}) while {action}: "
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for "
                "temporary keys) to a key of this storage service"
            )
        if code == "AccessDenied" or "403 Forbidden" in text:
            return (
                f"{where} denied access while {action}: the key lacks permission on "
                f"s3://{self.bucket}; grant s3:ListBucket on the bucket and s3:GetObject, "
                f"s3:PutObject, s3:DeleteObject on {self.url}/* (docs/deployment.md)"
            )
        if any(word in text.lower() for word in _UNREACHABLE):
            return (
                f"{where} could not be reached while {action}: check AWS_ENDPOINT_URL, that the "
                "storage service is running and that this machine can reach it"
            )
        first_line = text.strip().splitlines()[0][:300] if text.strip() else type(error).__name__
        return f"{where} failed while {action}: {first_line}"
