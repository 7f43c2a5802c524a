"""scikit-learn model files: round trips, trust, node-array checks, manifests, signatures."""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn import ensemble, linear_model, naive_bayes, neighbors, preprocessing, svm, tree
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification, make_regression
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    PolynomialFeatures,
    StandardScaler,
)

from registry.artifacts import model_files
from registry.artifacts.blobs import BlobStore
from registry.artifacts.model_files import (
    FORMAT_VERSION,
    TRUSTED_TYPES,
    ColumnSpec,
    Manifest,
    Signature,
    current_environment,
    infer_signature,
    load_sklearn_model,
    save_sklearn_model,
)
from registry.errors import ArtifactError, InvalidArgumentError, UntrustedTypeError

X_CLF, Y_CLF = make_classification(n_samples=200, n_features=6, n_informative=4, random_state=0)
X_3, Y_3 = make_classification(
    n_samples=200, n_features=6, n_informative=4, n_classes=3, random_state=1
)
X_REG, Y_REG = make_regression(n_samples=200, n_features=6, noise=1.0, random_state=0)
SVC_PROBABILITY_DEPRECATED = pytest.mark.filterwarnings(
    "ignore:The `probability` parameter was deprecated:FutureWarning"
)


def frame() -> pd.DataFrame:
    df = pd.DataFrame(X_CLF, columns=[f"x{i}" for i in range(6)])
    df["colour"] = np.array(["red", "green", "blue", None])[np.arange(200) % 4]
    df.loc[::9, "x0"] = np.nan
    return df


def column_pipeline():
    numeric = make_pipeline(SimpleImputer(), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
    )
    columns = ColumnTransformer(
        [("num", numeric, ["x0", "x1", "x2", "x3"]), ("cat", categorical, ["colour"])]
    )
    return Pipeline([("columns", columns), ("clf", linear_model.LogisticRegression())])


UNKNOWN_AS_MINUS_ONE = {"handle_unknown": "use_encoded_value", "unknown_value": -1}


def scaling_pipeline():
    columns = ColumnTransformer(
        [
            ("mm", MinMaxScaler(), ["x1", "x2"]),
            ("ord", OrdinalEncoder(encoded_missing_value=-2, **UNKNOWN_AS_MINUS_ONE), ["colour"]),
        ]
    )
    return make_pipeline(columns, PolynomialFeatures(2), tree.DecisionTreeClassifier(max_depth=4))


CLASSIFIERS = [
    linear_model.LogisticRegression(),
    linear_model.SGDClassifier(random_state=0),
    tree.DecisionTreeClassifier(random_state=0),
    ensemble.RandomForestClassifier(n_estimators=10, random_state=0),
    ensemble.ExtraTreesClassifier(n_estimators=10, random_state=0),
    ensemble.GradientBoostingClassifier(n_estimators=10, random_state=0),
    ensemble.HistGradientBoostingClassifier(max_iter=10),
    neighbors.KNeighborsClassifier(),
    neighbors.KNeighborsClassifier(algorithm="ball_tree", metric="manhattan"),
    neighbors.KNeighborsClassifier(metric="minkowski", p=3, weights="distance"),
    pytest.param(svm.SVC(probability=True, random_state=0), marks=SVC_PROBABILITY_DEPRECATED),
    CalibratedClassifierCV(svm.SVC(), ensemble=False),
    svm.LinearSVC(),
    naive_bayes.GaussianNB(),
    naive_bayes.BernoulliNB(),
]
REGRESSORS = [
    linear_model.LinearRegression(),
    linear_model.Ridge(),
    linear_model.Lasso(),
    linear_model.ElasticNet(),
    tree.DecisionTreeRegressor(random_state=0),
    ensemble.RandomForestRegressor(n_estimators=10, random_state=0),
    ensemble.GradientBoostingRegressor(n_estimators=10, random_state=0),
    ensemble.GradientBoostingRegressor(n_estimators=10, loss="huber", random_state=0),
    ensemble.HistGradientBoostingRegressor(max_iter=10),
    neighbors.KNeighborsRegressor(),
    svm.SVR(),
]


def _id(estimator) -> str:
    """The class name and the parameters that differ from its defaults."""
    estimator = getattr(estimator, "values", [estimator])[0]
    defaults = type(estimator)().get_params(deep=False)
    changed = [
        f"{key}={value}"
        for key, value in estimator.get_params(deep=False).items()
        if key not in ("random_state", "n_estimators", "max_iter", "estimator")
        and value != defaults[key]
    ]
    return "-".join([type(estimator).__name__, *changed])


@pytest.fixture
def blobs(tmp_path):
    return BlobStore(tmp_path / "artifacts")


@pytest.fixture(autouse=True)
def empty_model_cache():
    model_files.clear_model_cache()


def assert_round_trip(blobs, model, X):
    manifest = save_sklearn_model(blobs, model, input_example=X[:5])
    loaded = load_sklearn_model(blobs, manifest)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    if hasattr(model, "predict_proba"):
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    return manifest


@pytest.mark.parametrize("estimator", CLASSIFIERS, ids=_id)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifiers_round_trip_without_trusted_types(blobs, estimator, n_classes):
    X, y = (X_CLF, Y_CLF) if n_classes == 2 else (X_3, Y_3)
    X = StandardScaler().fit_transform(X)
    assert_round_trip(blobs, estimator.fit(X, y), X)


@pytest.mark.parametrize("estimator", REGRESSORS, ids=_id)
def test_regressors_round_trip_without_trusted_types(blobs, estimator):
    assert_round_trip(blobs, estimator.fit(X_REG, Y_REG), X_REG)


def test_multinomial_nb_round_trips(blobs):
    X = np.abs(X_CLF)
    assert_round_trip(blobs, naive_bayes.MultinomialNB().fit(X, Y_CLF), X)


@pytest.mark.parametrize("make", [column_pipeline, scaling_pipeline])
def test_pipelines_round_trip(blobs, make):
    df = frame()
    manifest = assert_round_trip(blobs, make().fit(df, Y_CLF), df)
    assert manifest.model_class == "sklearn.pipeline.Pipeline"
    unseen = df.head(3).assign(colour="purple")
    np.testing.assert_array_equal(
        load_sklearn_model(blobs, manifest).predict(unseen), make().fit(df, Y_CLF).predict(unseen)
    )


def double(X):
    return X * 2


class Custom(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def _untrusted_cases():
    function_model = make_pipeline(FunctionTransformer(double), linear_model.LogisticRegression())
    yield function_model, f"{double.__module__}.double", "name"
    yield Custom(), f"{Custom.__module__}.Custom", "type"


@pytest.mark.parametrize(("model", "type_name", "trust_by"), list(_untrusted_cases()))
def test_untrusted_types_are_refused_then_loaded_when_trusted(blobs, model, type_name, trust_by):
    manifest = save_sklearn_model(blobs, model.fit(X_CLF, Y_CLF))
    with pytest.raises(UntrustedTypeError) as err:
        load_sklearn_model(blobs, manifest)
    assert err.value.types == [type_name]
    assert str(err.value) == (
        f"model file {manifest.sha256} contains types that are not trusted: {type_name}; "
        "pass trusted=[...] to load it if you trust its author"
    )
    trusted = [type_name] if trust_by == "name" else [Custom]
    loaded = load_sklearn_model(blobs, manifest, trusted=trusted)
    np.testing.assert_array_equal(loaded.predict(X_CLF), model.predict(X_CLF))
    with pytest.raises(UntrustedTypeError):  # the cached copy does not lend its trust
        load_sklearn_model(blobs, manifest)


def test_hist_gradient_boosting_with_native_categories_loads(blobs):
    X = X_CLF.copy()
    X[:, 5] = np.arange(len(X)) % 4
    model = ensemble.HistGradientBoostingClassifier(max_iter=10, categorical_features=[5])
    manifest = save_sklearn_model(blobs, model.fit(X, Y_CLF))
    loaded = load_sklearn_model(blobs, manifest)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def _halve(X):
    return X / 2


def test_a_trusted_partial_does_not_lend_trust_to_the_function_it_wraps(blobs):
    model = preprocessing.FunctionTransformer(func=functools.partial(_halve))
    manifest = save_sklearn_model(blobs, model.fit(X_CLF))
    with pytest.raises(UntrustedTypeError) as err:
        load_sklearn_model(blobs, manifest)
    assert err.value.types == [f"{__name__}._halve"]


def test_trusted_as_a_single_string_is_refused(blobs):
    manifest = save_sklearn_model(blobs, linear_model.LogisticRegression().fit(X_CLF, Y_CLF))
    with pytest.raises(InvalidArgumentError, match="list of type names"):
        load_sklearn_model(blobs, manifest, trusted="a.B")


def test_trusted_types_are_a_sorted_reviewed_list():
    source = Path(model_files.__file__).read_text()
    listed = source.split("TRUSTED_TYPES: frozenset[str] = frozenset(")[1].split(")")[0]
    names = [line.strip().strip('",') for line in listed.splitlines() if '"' in line]
    assert names == sorted(names) and set(names) == TRUSTED_TYPES
    # functools.partial is the one exception: it only calls functions that must be trusted too
    libraries = ("sklearn", "numpy", "scipy")
    assert all(name.split(".")[0] in libraries or name == "functools.partial" for name in names)


def test_second_load_skips_skops_and_returns_a_fresh_copy(blobs, monkeypatch):
    model = ensemble.RandomForestClassifier(n_estimators=5, random_state=0).fit(X_CLF, Y_CLF)
    manifest = save_sklearn_model(blobs, model)
    first = load_sklearn_model(blobs, manifest)
    calls = []
    monkeypatch.setattr(skops.io, "loads", lambda *a, **k: calls.append(a))
    second = load_sklearn_model(blobs, manifest)
    assert calls == [] and second is not first
    np.testing.assert_array_equal(second.predict(X_CLF), model.predict(X_CLF))
    second.set_params(n_estimators=1)  # a caller changing its copy changes no one else's
    assert load_sklearn_model(blobs, manifest).n_estimators == 5


def test_a_modified_file_is_checked_again_on_load(blobs):
    manifest = save_sklearn_model(blobs, linear_model.LogisticRegression().fit(X_CLF, Y_CLF))
    load_sklearn_model(blobs, manifest)
    path = blobs.path(manifest.sha256)
    path.chmod(0o600)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="was modified after it was stored"):
        load_sklearn_model(blobs, manifest)


def _tamper(data: bytes, field: str, mutate) -> bytes:
    """Rewrite the first structured array with ``field`` in a skops file."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    done = False
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name.endswith(".npy") and not done:
                array = np.load(io.BytesIO(content), allow_pickle=False)
                if array.dtype.names and field in array.dtype.names:
                    mutate(array)
                    buffer = io.BytesIO()
                    np.save(buffer, array, allow_pickle=False)
                    content, done = buffer.getvalue(), True
            target.writestr(name, content)
    assert done, field
    return out.getvalue()


def _set(field, index, value):
    def mutate(array):
        array[field][index] = value

    return mutate


@pytest.mark.parametrize(
    ("estimator", "field", "mutate", "problem"),
    [
        (tree.DecisionTreeClassifier(), "left_child", _set("left_child", 0, 10**6), "one tree"),
        (tree.DecisionTreeClassifier(), "left_child", _set("left_child", 0, 0), "before its"),
        (tree.DecisionTreeClassifier(), "feature", _set("feature", 0, 99), "feature index"),
        (tree.DecisionTreeClassifier(), "right_child", _set("right_child", -1, 1), "one child"),
        (ensemble.HistGradientBoostingClassifier(max_iter=2), "left", _set("left", 0, 10**6),
         "one tree"),
        (ensemble.HistGradientBoostingClassifier(max_iter=2), "feature_idx",
         _set("feature_idx", 0, 50), "feature index"),
        (ensemble.HistGradientBoostingClassifier(max_iter=2), "is_categorical",
         _set("is_categorical", 0, 1), "bitset index"),
        (neighbors.KNeighborsClassifier(), "idx_end", _set("idx_end", 0, 10**6), "node range"),
    ],
)  # fmt: skip
def test_trusted_tree_types_with_bad_node_arrays_are_refused(
    blobs, estimator, field, mutate, problem
):
    data = _tamper(skops.io.dumps(estimator.fit(X_CLF, Y_CLF)), field, mutate)
    sha = blobs.put(data)
    manifest = Manifest(sha256=sha, size=len(data), model_class=type(estimator).__name__)
    with pytest.raises(ArtifactError, match=f"model file {sha} is unsafe to load: .*{problem}"):
        load_sklearn_model(blobs, manifest)


@pytest.mark.parametrize(
    ("estimator", "width", "problem"),
    [
        (tree.DecisionTreeClassifier(), 2, "6 features where its estimator has 2"),
        (tree.DecisionTreeClassifier(), None, "no fitted estimator directly around it"),
        (ensemble.GradientBoostingClassifier(n_estimators=2), 2, "trees of another width"),
        (ensemble.GradientBoostingClassifier(n_estimators=2), None, "trees of another width"),
        (ensemble.HistGradientBoostingClassifier(max_iter=2), 2, "feature index out of range"),
        (ensemble.HistGradientBoostingClassifier(max_iter=2), None, "no fitted estimator"),
    ],
)
def test_estimators_that_would_not_check_the_width_of_their_trees_are_refused(
    blobs, estimator, width, problem
):
    estimator.fit(X_CLF, Y_CLF)  # predict checks the width of X against n_features_in_
    if width is None:
        del estimator.n_features_in_
    else:
        estimator.n_features_in_ = width
    manifest = save_sklearn_model(blobs, estimator)
    with pytest.raises(ArtifactError, match=problem):
        load_sklearn_model(blobs, manifest)


def test_manifest_json_round_trip(blobs):
    df = frame()
    manifest = save_sklearn_model(blobs, column_pipeline().fit(df, Y_CLF), input_example=df)
    assert Manifest.from_json(manifest.to_json()) == manifest
    data = json.loads(manifest.to_json())
    assert data["format_version"] == FORMAT_VERSION == 1
    assert data["flavor"] == "sklearn" and data["sha256"] == manifest.sha256
    assert data["size"] == len(blobs.get(manifest.sha256))


def test_manifest_of_a_newer_format_is_refused():
    text = json.dumps({"format_version": FORMAT_VERSION + 1, "sha256": "ab", "future": 1})
    with pytest.raises(ArtifactError, match="format version 2, newer than this registry reads"):
        Manifest.from_json(text)


def test_manifest_ignores_unknown_fields_of_its_own_version():
    manifest = Manifest(sha256="a" * 64, size=3, model_class="m.M")
    data = json.loads(manifest.to_json()) | {"added_later": True}
    assert Manifest.from_json(json.dumps(data)) == manifest


@pytest.mark.parametrize("text", ["not json", "[]", '{"format_version": 1}'])
def test_damaged_manifest_is_refused(text):
    with pytest.raises(ArtifactError, match="damaged"):
        Manifest.from_json(text)


def test_manifest_records_environment(blobs):
    manifest = save_sklearn_model(blobs, linear_model.Ridge().fit(X_REG, Y_REG))
    assert manifest.environment == current_environment()
    for package in ("scikit-learn", "numpy", "pandas", "scipy", "skops"):
        assert manifest.environment[package] == metadata.version(package)
    assert manifest.environment["python"].count(".") == 2


def test_other_flavors_are_refused(blobs):
    manifest = save_sklearn_model(blobs, linear_model.Ridge().fit(X_REG, Y_REG))
    with pytest.raises(ArtifactError, match="'pytorch' model"):
        load_sklearn_model(blobs, dataclasses.replace(manifest, flavor="pytorch"))


def test_infer_signature_from_dataframe():
    df = pd.DataFrame(
        {
            "age": [30, 40],
            "income": [1.5, 2.5],
            "city": ["a", "b"],
            "member": [True, False],
            "plan": pd.Categorical(["x", "y"]),
            "since": pd.to_datetime(["2020-01-01", "2021-01-01"]).as_unit("ns"),
        }
    )
    assert infer_signature(df).to_dict() == {
        "inputs": [
            {"name": "age", "dtype": "int64"},
            {"name": "income", "dtype": "float64"},
            {"name": "city", "dtype": "str"},
            {"name": "member", "dtype": "bool"},
            {"name": "plan", "dtype": "category"},
            {"name": "since", "dtype": "datetime64[ns]"},
        ]
    }


@pytest.mark.parametrize("example", [np.zeros((4, 3)), np.zeros(3)])
def test_infer_signature_from_array_names_columns_like_pandas(example):
    expected = [ColumnSpec(str(i), "float64") for i in range(3)]
    assert infer_signature(example) == Signature(tuple(expected))
    assert infer_signature(example).names == [str(c) for c in pd.DataFrame(np.zeros((1, 3)))]


def test_infer_signature_from_records():
    signature = infer_signature([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}])
    assert signature.to_dict()["inputs"] == [
        {"name": "a", "dtype": "int64"},
        {"name": "b", "dtype": "str"},
    ]


@pytest.mark.parametrize("example", ["text", [1, 2], np.zeros((2, 2, 2)), []])
def test_infer_signature_refuses_other_inputs(example):
    with pytest.raises(InvalidArgumentError, match="cannot infer a signature"):
        infer_signature(example)


def test_signature_dict_round_trip_and_validation():
    signature = Signature((ColumnSpec("a", "float64"), ColumnSpec("b", "category")))
    assert Signature.from_dict(signature.to_dict()) == signature
    with pytest.raises(InvalidArgumentError, match="not a pandas dtype"):
        ColumnSpec("a", "floaty")
    with pytest.raises(InvalidArgumentError, match="duplicate"):
        Signature((ColumnSpec("a", "int64"), ColumnSpec("a", "int64")))
    with pytest.raises(InvalidArgumentError, match="malformed signature"):
        Signature.from_dict({"columns": []})


def test_explicit_signature_wins_over_example(blobs):
    signature = Signature((ColumnSpec("only", "float64"),))
    model = linear_model.Ridge().fit(X_REG[:, :1], Y_REG)
    manifest = save_sklearn_model(blobs, model, input_example=X_REG[:, :1], signature=signature)
    assert manifest.signature == signature
