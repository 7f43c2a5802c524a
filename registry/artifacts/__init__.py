"""Model files: content-addressed blobs, scikit-learn models saved with skops and described
by manifests, the checks that make a loaded file safe to predict with, and the loaded-model
wrapper that checks inputs against the signature.

- ``blobs``: files stored once by their sha256, hash-checked on every read, and
  ``open_blobs(location)`` for a folder or a bucket (``s3``: S3-compatible storage);
- ``model_files``: skops save and load, manifests, signatures, the trusted types;
- ``node_checks``: bounds checks on the native arrays of trusted tree models;
- ``code_model``: models from code (a Python file stored by hash, run only when loaded);
- ``pyfunc_model``: ``predict`` behind one interface, with the input checked first.
"""

from registry.artifacts.blobs import open_blobs

__all__ = ["open_blobs"]
