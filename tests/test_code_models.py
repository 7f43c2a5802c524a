"""Models from code: ``registry.pyfunc.log_model(python_model="model.py")`` stores the source
file by its hash with the version; loading runs it (``set_model``), a server never does, and
a model object is refused because it would need pickling."""

from __future__ import annotations

import hashlib
import textwrap

import mlflow_support
import numpy as np
import pandas as pd
import pytest

import registry
from registry import ArtifactError, InvalidArgumentError, SchemaMismatchError

SCALER = """
import pandas as pd
from registry.pyfunc import PythonModel, set_model


class Scaler(PythonModel):
    def load_context(self, context):
        self.factor = context.model_config.get("factor", 1)
        with open({marker!r}, "a") as f:
            f.write("loaded\\n")

    def predict(self, context, model_input, params=None):
        return (model_input["x"] * self.factor).to_numpy()


set_model(Scaler())
"""
# The shared server fixtures, registered in this module by name.
mlflow_server = mlflow_support.mlflow_server
as_registry_user = mlflow_support.as_registry_user
FRAME = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0.0, 1.0, 1.0]})


@pytest.fixture
def code_file(tmp_path):
    def write(body: str, name: str = "model.py"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(body))
        return path

    return write


@pytest.fixture
def fluent_home(home, monkeypatch):
    monkeypatch.setattr(registry.fluent, "_settings", {**registry.fluent._settings, "home": None})
    return home


def test_a_code_file_is_stored_by_hash_and_run_only_when_loaded(fluent_home, code_file, tmp_path):
    marker = tmp_path / "ran.txt"
    path = code_file(SCALER.format(marker=str(marker)))
    info = registry.pyfunc.log_model(
        python_model=str(path),
        artifact_path="scaler",
        registered_model_name="scaler",
        input_example=FRAME[["x"]],
        model_config={"factor": 10},
    )
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (info.flavor, info.registered_model_version) == ("python_code", 1)
    assert not marker.exists()  # logging compiles the file, never runs it
    path.write_text("raise SystemExit('edited after logging')")  # the stored copy counts
    model = registry.pyfunc.load_model("models:/scaler/1")
    np.testing.assert_array_equal(model.predict(FRAME[["x"]]), [10.0, 20.0, 30.0])
    assert marker.read_text() == "loaded\n"  # load_context ran once, at load
    assert type(model.unwrap_python_model()).__name__ == "Scaler"
    with pytest.raises(SchemaMismatchError, match="missing columns: 'x'"):
        model.predict(pd.DataFrame({"z": [1.0]}))


def test_a_function_set_as_the_model_and_predict_without_context(fluent_home, code_file):
    function = code_file(
        """
        from registry.models import set_model

        def double(model_input):
            return model_input * 2

        set_model(double)
        """
    )
    no_context = code_file(
        """
        import registry.pyfunc as pyfunc

        class Plain(pyfunc.PythonModel):
            def predict(self, model_input):
                return len(model_input)

        pyfunc.set_model(Plain())
        """,
        "plain.py",
    )
    for path, name in ((function, "double"), (no_context, "plain")):
        registry.pyfunc.log_model(python_model=path, registered_model_name=name)
    assert registry.pyfunc.load_model("models:/double/1").predict(3) == 6
    assert registry.pyfunc.load_model("models:/plain/latest").predict(FRAME) == 3


def test_a_model_object_is_refused_naming_models_from_code(fluent_home):
    class Custom(registry.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):
            return model_input

    with pytest.raises(InvalidArgumentError) as caught:
        registry.pyfunc.log_model("model", python_model=Custom(), registered_model_name="c")
    message = str(caught.value)
    assert "Custom object, which would have to be pickled" in message
    assert "python_model='model.py'" in message and "set_model(Custom(...))" in message
    assert registry.RegistryClient(fluent_home).find_registered_model("c") is None


@pytest.mark.parametrize(
    ("body", "name", "words"),
    [
        ("x = 1\n", "model.txt", "is not a .py file"),
        ("def broken(:\n", "model.py", "does not compile"),
    ],
)
def test_bad_code_files_are_refused_at_logging(fluent_home, code_file, body, name, words):
    with pytest.raises(InvalidArgumentError, match=words):
        registry.pyfunc.log_model(python_model=code_file(body, name))


def test_a_missing_file_and_artifacts_are_refused(fluent_home, tmp_path, code_file):
    with pytest.raises(InvalidArgumentError, match="cannot read python_model"):
        registry.pyfunc.log_model(python_model=str(tmp_path / "nowhere.py"))
    with pytest.raises(InvalidArgumentError, match="artifacts= is not supported"):
        registry.pyfunc.log_model(python_model=code_file("x = 1\n"), artifacts={"a": "b"})


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("x = 1\n", "never called set_model"),
        ("raise RuntimeError('no GPU here')\n", "failed while loading: RuntimeError: no GPU"),
    ],
)
def test_a_file_that_sets_no_model_or_fails_says_so_at_load(fluent_home, code_file, body, words):
    registry.pyfunc.log_model(python_model=code_file(body), registered_model_name="m")
    with pytest.raises(ArtifactError, match=words):
        registry.pyfunc.load_model("models:/m/1")


def test_the_server_never_runs_model_code_but_its_clients_load_it(
    as_registry_user, code_file, tmp_path
):
    marker = tmp_path / "ran.txt"
    path = code_file(SCALER.format(marker=str(marker)))
    as_registry_user("ada")
    registry.pyfunc.log_model(python_model=path, registered_model_name="remote-scaler")
    client = registry.RegistryClient()
    with pytest.raises(ArtifactError, match="a registry server never runs the code of a model"):
        client.validate_model_version("remote-scaler", 1, FRAME, "y")
    assert not marker.exists()
    model = registry.pyfunc.load_model("models:/remote-scaler/1")  # runs here, in the client
    np.testing.assert_array_equal(model.predict(FRAME[["x"]]), [1.0, 2.0, 3.0])
    assert marker.exists()
