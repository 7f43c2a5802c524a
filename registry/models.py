"""``registry.models``: signatures and ``set_model``, as ``mlflow.models`` offers them."""

from __future__ import annotations

from typing import Any

from registry.artifacts.code_model import set_model
from registry.artifacts.model_files import ColumnSpec, Signature
from registry.artifacts.model_files import infer_signature as _infer_inputs

__all__ = ["ColumnSpec", "Signature", "infer_signature", "set_model"]


def infer_signature(model_input: Any, model_output: Any = None) -> Signature:
    """The input signature of ``model_input`` (outputs are not checked here, so ignored)."""
    return _infer_inputs(model_input)
