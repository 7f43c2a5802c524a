"""Models from code, as MLflow's: a Python source file stored with the version (by its sha256,
like any model file) that builds the model and hands it to ``set_model``.

Nothing is pickled. Logging reads and compiles the file but never runs it; loading runs it,
so loading a models-from-code version is trusting whoever wrote that file. A registry server
never runs one (see ``refused``).
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import os
import sys
import types
from dataclasses import dataclass, field
from typing import Any

from registry.artifacts.blobs import BlobStore
from registry.artifacts.model_files import Manifest, Signature, current_environment, infer_signature
from registry.errors import ArtifactError, InvalidArgumentError

CODE_FLAVOR = "python_code"
_MAX_CODE_BYTES = 5 * 1024 * 1024
_pending: contextvars.ContextVar[list | None] = contextvars.ContextVar("set_model", default=None)
_refusal: contextvars.ContextVar[str | None] = contextvars.ContextVar("no_code", default=None)


class PythonModel:
    """Base class of custom models, as MLflow's: override ``predict(context, model_input)``,
    and ``load_context(context)`` for work to do once when the model is loaded."""

    def load_context(self, context: PythonModelContext) -> None:
        """Called once after loading, before the first ``predict``."""

    def predict(self, context: PythonModelContext, model_input: Any, params: dict | None = None):
        raise NotImplementedError(f"{type(self).__name__} must define predict(context, input)")


@dataclass(frozen=True)
class PythonModelContext:
    """What ``load_context`` and ``predict`` receive: the ``model_config`` given at logging
    (MLflow's ``artifacts`` are not supported: there are none)."""

    model_config: dict = field(default_factory=dict)
    artifacts: dict = field(default_factory=dict)


def set_model(model: Any) -> None:
    """Name the model a models-from-code file defines: a ``PythonModel`` instance or a
    function of the input. Call it once, at the end of the file."""
    if not (isinstance(model, PythonModel) or callable(model)):
        raise InvalidArgumentError(
            f"set_model() takes a PythonModel instance or a function, got {type(model).__name__}"
        )
    pending = _pending.get()
    if pending is not None:  # outside a load (the file run as a script) it is a no-op
        pending.append(model)


def read_code_file(path: Any) -> tuple[bytes, str]:
    """The bytes of the models-from-code file at ``path`` and its base name, after checking
    that it is a readable ``.py`` file that compiles; the file is not run."""
    text = os.fspath(path)
    if not text.endswith(".py"):
        raise InvalidArgumentError(
            f"python_model={text!r} is not a .py file: pass the path of a Python file that "
            "builds the model and calls registry.pyfunc.set_model(...)"
        )
    try:
        with open(text, "rb") as f:
            data = f.read(_MAX_CODE_BYTES + 1)
    except OSError as error:
        raise InvalidArgumentError(
            f"cannot read python_model={text!r}: {error.strerror or error}"
        ) from None
    if len(data) > _MAX_CODE_BYTES:
        raise InvalidArgumentError(f"python_model={text!r} is larger than 5 MB")
    _compile(data, os.path.basename(text), InvalidArgumentError)
    return data, os.path.basename(text)


def save_code_model(
    blobs: BlobStore,
    path: Any,
    input_example: Any = None,
    signature: Signature | None = None,
    model_config: dict | None = None,
) -> Manifest:
    """Store the models-from-code file at ``path`` by its hash and return its manifest."""
    data, filename = read_code_file(path)
    if signature is None and input_example is not None:
        signature = infer_signature(input_example)
    if model_config is not None and not isinstance(model_config, dict):
        raise InvalidArgumentError(
            f"model_config must be a dict, got {type(model_config).__name__}"
        )
    return Manifest(
        sha256=blobs.put(data),
        size=len(data),
        model_class=filename,
        signature=signature,
        environment=current_environment(),
        flavor=CODE_FLAVOR,
        model_config=dict(model_config or {}),
    )


def refuse_instance(python_model: Any) -> InvalidArgumentError:
    """The error for a model object that MLflow would pickle."""
    kind = type(python_model).__name__
    return InvalidArgumentError(
        f"python_model is a {kind} object, which would have to be pickled, and this registry "
        "never pickles models (loading a pickle runs any code in it). Use MLflow's models from "
        "code instead: put the class in a file that ends with "
        f"registry.pyfunc.set_model({kind}(...)), and pass that file's path: "
        "registry.pyfunc.log_model(python_model='model.py', ...)."
    )


@contextlib.contextmanager
def refused(reason: str):
    """Inside the block (and the threads it hands work to), loading a models-from-code file
    raises ArtifactError with ``reason``: a registry server runs no one's code."""
    token = _refusal.set(reason)
    try:
        yield
    finally:
        _refusal.reset(token)


def load_code_model(blobs: BlobStore, sha: str, filename: str, config: dict) -> Any:
    """Run the stored file ``sha`` (hash-checked first) and return the model it set, its
    ``load_context`` called. Raises ArtifactError if the file fails or sets no model, or if
    running code is refused here."""
    if (reason := _refusal.get()) is not None:
        raise ArtifactError(f"models-from-code file {filename} ({sha}) was not run: {reason}")
    code = _compile(blobs.get(sha), filename, ArtifactError)
    module = types.ModuleType(f"registry_code_model_{sha[:16]}")
    module.__file__ = filename
    found: list = []
    token = _pending.set(found)
    sys.modules[module.__name__] = module  # so classes defined there (dataclasses) resolve
    try:
        exec(code, module.__dict__)  # the documented trust: loading runs the author's code
    except Exception as error:
        raise ArtifactError(
            f"models-from-code file {filename} ({sha}) failed while loading: "
            f"{type(error).__name__}: {error}"
        ) from error
    finally:
        _pending.reset(token)
    if not found:
        raise ArtifactError(
            f"models-from-code file {filename} ({sha}) never called set_model(...): end it "
            "with registry.pyfunc.set_model(YourModel())"
        )
    model = found[-1]
    context = PythonModelContext(model_config=dict(config))
    if isinstance(model, PythonModel):
        model.load_context(context)
    return CodeModel(model, context)


class CodeModel:
    """A loaded models-from-code model behind ``predict(data)``."""

    def __init__(self, python_model: Any, context: PythonModelContext):
        self.python_model = python_model
        self.context = context
        target = python_model.predict if isinstance(python_model, PythonModel) else python_model
        self._call = target
        self._takes_context = isinstance(python_model, PythonModel) and _takes_context(target)

    def predict(self, data: Any, params: dict | None = None) -> Any:
        extra = {"params": params} if params is not None else {}
        if self._takes_context:
            return self._call(self.context, data, **extra)
        return self._call(data, **extra)


def _takes_context(method: Any) -> bool:
    """MLflow 3 allows ``predict(self, model_input)``: context only when asked for."""
    try:
        names = list(inspect.signature(method).parameters)
    except (TypeError, ValueError):
        return True
    return len([n for n in names if n != "params"]) >= 2


def _compile(data: bytes, filename: str, error: type[Exception]) -> types.CodeType:
    try:
        return compile(data, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as problem:
        raise error(f"models-from-code file {filename} does not compile: {problem}") from None
