"""Neighbour models and k-means whose arrays were altered are refused when loaded (their
Cython distance code walks ``_fit_X`` and ``cluster_centers_`` by the query's width, checked
against ``n_features_in_`` only). Predicting with a crafted one happens in a subprocess only:
the KNeighborsClassifier below crashes the process that predicts with it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn import cluster, neighbors
from sklearn.datasets import make_classification
from sklearn.manifold import Isomap
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from registry.artifacts.blobs import BlobStore
from registry.artifacts.model_files import clear_model_cache, load_sklearn_model
from registry.artifacts.model_files import save_sklearn_model as save
from registry.errors import ArtifactError

X, Y = make_classification(n_samples=60, n_features=6, n_informative=4, n_classes=3,
                           random_state=0)  # fmt: skip
ESTIMATORS = {
    "KNeighborsClassifier": lambda: neighbors.KNeighborsClassifier(algorithm="brute").fit(X, Y),
    "KNeighborsRegressor": lambda: neighbors.KNeighborsRegressor().fit(X, X[:, 0]),
    "RadiusNeighborsClassifier": lambda: neighbors.RadiusNeighborsClassifier(radius=9).fit(X, Y),
    "RadiusNeighborsRegressor": lambda: neighbors.RadiusNeighborsRegressor(radius=50).fit(
        X, X[:, 0]
    ),
    "NearestNeighbors": lambda: neighbors.NearestNeighbors(algorithm="kd_tree").fit(X),
    "LocalOutlierFactor": lambda: neighbors.LocalOutlierFactor(novelty=True).fit(X),
    "KMeans": lambda: cluster.KMeans(3, n_init=1, random_state=0).fit(X),
    "MiniBatchKMeans": lambda: cluster.MiniBatchKMeans(3, n_init=1, random_state=0).fit(X),
}
MULTI_OUTPUT = np.column_stack([Y, Y % 2])


@pytest.fixture
def blobs(tmp_path):
    clear_model_cache()
    return BlobStore(tmp_path / "artifacts")


def _unsafe(sha: str, problem: str) -> str:
    return f"model file {sha} is unsafe to load: a .* in it has .*{problem}"


CRASH = """
import numpy as np
from sklearn.neighbors import KNeighborsClassifier
from registry.artifacts.blobs import BlobStore
from registry.artifacts.model_files import load_sklearn_model, save_sklearn_model
from registry.errors import ArtifactError

X = np.random.default_rng(0).normal(size=(300, 20000))
model = KNeighborsClassifier(algorithm="brute").fit(X, (X[:, 0] > 0).astype(int))
model._fit_X = np.ascontiguousarray(model._fit_X[:, :1])  # one column of 20000
blobs = BlobStore({folder!r})
try:
    load_sklearn_model(blobs, save_sklearn_model(blobs, model)).predict(X)
except ArtifactError as error:
    print("refused:", error)
"""


def test_the_crafted_kneighbors_classifier_is_refused_instead_of_crashing(tmp_path):
    script = textwrap.dedent(CRASH.format(folder=str(tmp_path / "artifacts")))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert "samples of shape (300, 1) where (300, 20000) is expected" in done.stdout


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_untouched_neighbour_and_kmeans_models_load_and_predict(blobs, kind):
    model = ESTIMATORS[kind]()
    loaded = load_sklearn_model(blobs, save(blobs, model))
    method = "kneighbors" if kind == "NearestNeighbors" else "predict"
    np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(model, method)(X))


def test_multi_output_sparse_and_nested_neighbour_models_load(blobs):
    from scipy import sparse

    multi = neighbors.KNeighborsClassifier().fit(X, MULTI_OUTPUT)
    np.testing.assert_array_equal(load_sklearn_model(blobs, save(blobs, multi)).predict(X),
                                  multi.predict(X))  # fmt: skip
    data = sparse.csr_matrix(X)
    sparse_model = neighbors.KNeighborsRegressor(algorithm="brute").fit(data, Y)
    loaded = load_sklearn_model(blobs, save(blobs, sparse_model),
                                trusted=["scipy.sparse._csr.csr_matrix"])  # fmt: skip
    np.testing.assert_array_equal(loaded.predict(data), sparse_model.predict(data))
    pipeline = make_pipeline(StandardScaler(), Isomap(n_neighbors=5)).fit(X)
    load_sklearn_model(blobs, save(blobs, pipeline))


def _narrow(name):
    def change(model):
        setattr(model, name, np.ascontiguousarray(getattr(model, name)[:, :1]))

    return change


def _set(name, value):
    def change(model):
        setattr(model, name, value(model) if callable(value) else value)

    return change


CORRUPTIONS = [
    ("KNeighborsClassifier", _narrow("_fit_X"), r"samples of shape \(60, 1\) where \(60, 6\)"),
    ("KNeighborsRegressor", _set("_fit_X", lambda m: m._fit_X[:3]), "samples of shape"),
    ("RadiusNeighborsClassifier", _narrow("_fit_X"), "samples of shape"),
    ("RadiusNeighborsRegressor", _set("n_samples_fit_", 600), r"where \(600, 6\) is expected"),
    ("NearestNeighbors", _set("_tree", lambda m: neighbors.KDTree(X[:10])), "tree that does not"),
    ("NearestNeighbors", _set("_fit_method", "everything"), "unknown search method"),
    ("LocalOutlierFactor", _narrow("_fit_X"), "samples of shape"),
    ("KNeighborsClassifier", _set("_fit_X", lambda m: m._fit_X.ravel()), "not a 2-D array"),
    ("KNeighborsClassifier", _set("_y", lambda m: m._y[:2]), "not one per each of its 60"),
    ("KNeighborsClassifier", _set("_y", lambda m: m._y + 10**6), "class indices outside"),
    ("RadiusNeighborsClassifier", _set("_y", lambda m: m._y - 5), "class indices outside"),
    ("KNeighborsClassifier", _set("_y", lambda m: m._y.astype(float)), "not class indices"),
    ("KMeans", _narrow("cluster_centers_"), r"cluster centres of shape \(3, 1\) for 6 features"),
    ("MiniBatchKMeans", _narrow("cluster_centers_"), "cluster centres of shape"),
    ("KMeans", _set("cluster_centers_", np.zeros((0, 6))), "not a non-empty 2-D array"),
    ("KMeans", _set("_n_threads", -5), "a thread count of -5"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "change", "problem"), CORRUPTIONS)
def test_neighbour_and_kmeans_models_with_altered_arrays_are_refused(blobs, kind, change, problem):
    model = ESTIMATORS[kind]()
    change(model)
    manifest = save(blobs, model)
    with pytest.raises(ArtifactError, match=_unsafe(manifest.sha256, problem)):
        load_sklearn_model(blobs, manifest)


def test_an_altered_neighbour_model_inside_a_pipeline_is_refused(blobs):
    pipeline = make_pipeline(StandardScaler(), Isomap(n_neighbors=5)).fit(X)
    pipeline[-1].nbrs_._fit_X = np.ascontiguousarray(pipeline[-1].nbrs_._fit_X[:, :1])
    manifest = save(blobs, pipeline)
    with pytest.raises(ArtifactError, match="a NearestNeighbors in it has samples of shape"):
        load_sklearn_model(blobs, manifest)
