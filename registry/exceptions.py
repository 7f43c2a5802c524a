"""MLflow's exception module, for code written as ``from mlflow.exceptions import ...``:
``MlflowException`` is ``RegistryError``, the root of every error the registry raises."""

from registry.errors import RegistryError as MlflowException

__all__ = ["MlflowException"]
