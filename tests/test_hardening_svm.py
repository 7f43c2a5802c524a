"""Support vector machines whose libsvm arrays were altered are refused when loaded, before
anyone predicts with them (libsvm reads by those arrays without bounds checks: predicting
with the crafted SVC below crashes the process, so no test here ever predicts with one)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import svm
from sklearn.datasets import make_classification
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from registry.artifacts.blobs import BlobStore
from registry.artifacts.model_files import clear_model_cache, load_sklearn_model
from registry.artifacts.model_files import save_sklearn_model as save
from registry.errors import ArtifactError

X, Y = make_classification(n_samples=40, n_features=4, n_informative=3, n_redundant=0,
                           n_classes=3, random_state=0)  # fmt: skip
ESTIMATORS = {
    "SVC": lambda: svm.SVC().fit(X, Y),
    "NuSVC": lambda: svm.NuSVC(nu=0.1).fit(X, Y),
    "SVR": lambda: svm.SVR().fit(X, X[:, 0]),
    "NuSVR": lambda: svm.NuSVR().fit(X, X[:, 0]),
    "OneClassSVM": lambda: svm.OneClassSVM().fit(X),
}


@pytest.fixture
def blobs(tmp_path):
    clear_model_cache()
    return BlobStore(tmp_path / "artifacts")


def _unsafe(sha: str, problem: str) -> str:
    return f"model file {sha} is unsafe to load: a .* in it has .*{problem}"


def test_the_crafted_svc_of_the_audit_is_refused(blobs):
    model = svm.SVC().fit(X, Y)
    k = len(model.support_)
    model._n_support = np.array([-(2**30), 2**30 + k - model._n_support[2], model._n_support[2]],
                                dtype=np.int32)  # fmt: skip
    assert model._n_support.astype(np.int64).sum() == k  # scikit-learn's own check passes
    manifest = save(blobs, model)
    with pytest.raises(ArtifactError, match=_unsafe(manifest.sha256, "a negative support")):
        load_sklearn_model(blobs, manifest)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_untouched_svms_load_and_predict(blobs, kind):
    model = ESTIMATORS[kind]()
    loaded = load_sklearn_model(blobs, save(blobs, model))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_precomputed_kernel_svc_in_a_pipeline_loads(blobs):
    kernel = X @ X.T
    model = svm.SVC(kernel="precomputed").fit(kernel, Y)
    np.testing.assert_array_equal(
        load_sklearn_model(blobs, save(blobs, model)).predict(kernel), model.predict(kernel)
    )
    pipeline = make_pipeline(StandardScaler(), svm.SVC()).fit(X, Y)
    np.testing.assert_array_equal(
        load_sklearn_model(blobs, save(blobs, pipeline)).predict(X), pipeline.predict(X)
    )


def _shift_counts(model):
    model._n_support = (model._n_support + np.array([5, -5, 0][: len(model._n_support)])).astype(
        np.int32
    )


def _grow(name, rows=0, columns=0):
    def change(model):
        value = getattr(model, name)
        setattr(model, name, np.resize(value, (value.shape[0] + rows, *value.shape[1:])))
        if columns:
            value = getattr(model, name)
            setattr(model, name, np.resize(value, (value.shape[0], value.shape[1] + columns)))

    return change


def _set(name, value):
    def change(model):
        setattr(model, name, value(model) if callable(value) else value)

    return change


def _add_support_index(model):
    model.support_ = np.append(model.support_, np.int32(10**6))
    model.support_vectors_ = np.vstack([model.support_vectors_, model.support_vectors_[:1]])
    model._dual_coef_ = np.hstack([model._dual_coef_, model._dual_coef_[:, :1]])
    model._n_support = model._n_support + np.int32(0)
    model._n_support[0] += 1
    if model._impl not in ("c_svc", "nu_svc"):
        model._n_support[1] += 1


CORRUPTIONS = [
    ("SVC", _set("_n_support", lambda m: np.array([-1, *m._n_support[1:-1], m._n_support[-1] + 1],
                                                  dtype=np.int32)), "a negative support"),
    ("SVC", _set("_n_support", lambda m: (m._n_support * 2).astype(np.int32)), "do not add up"),
    ("SVC", _set("_n_support", lambda m: np.append(m._n_support, np.int32(0))), "for 4 classes"),
    ("NuSVC", _shift_counts, None),  # same sum, other split: harmless, it loads
    ("SVR", _set("_n_support", np.array([10**6, 10**6], dtype=np.int32)), "count that is not"),
    ("OneClassSVM", _set("_n_support", lambda m: np.append(m._n_support, np.int32(1))),
     "count that is not"),
    ("SVC", _set("support_", lambda m: m.support_ + np.int32(1000)), "outside its training"),
    ("NuSVR", _add_support_index, "outside its training"),
    ("SVC", _set("support_", lambda m: m.support_[:-1]), "do not add up"),
    ("SVR", _grow("support_vectors_", rows=-3), "support vectors of shape"),
    ("OneClassSVM", _grow("support_vectors_", columns=-1), "support vectors of shape"),
    ("SVC", _grow("_dual_coef_", columns=-1), "dual coefficients of shape"),
    ("NuSVC", _grow("_dual_coef_", rows=3), "dual coefficients of shape"),
    ("SVR", _grow("_dual_coef_", rows=1), "dual coefficients of shape"),
    ("SVC", _set("_intercept_", np.zeros(1)), "another length than its 3 pairs"),
    ("NuSVR", _set("_intercept_", np.zeros(0)), "another length than its 1 pairs"),
    ("SVC", _set("_probA", np.zeros(1)), "probability parameters"),
    ("SVC", _set("_impl", "epsilon_svm"), "unknown libsvm type"),
    ("SVC", _set("support_", lambda m: m.support_.reshape(1, -1)), "not 1-D arrays"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "change", "problem"), CORRUPTIONS)
def test_svms_with_altered_libsvm_arrays_are_refused(blobs, kind, change, problem):
    model = ESTIMATORS[kind]()
    change(model)
    manifest = save(blobs, model)
    if problem is None:
        load_sklearn_model(blobs, manifest)
        return
    with pytest.raises(ArtifactError, match=_unsafe(manifest.sha256, problem)):
        load_sklearn_model(blobs, manifest)


def test_an_altered_svm_inside_a_pipeline_is_refused(blobs):
    pipeline = make_pipeline(StandardScaler(), svm.SVC()).fit(X, Y)
    pipeline[-1]._intercept_ = np.zeros(10**3)
    manifest = save(blobs, pipeline)
    with pytest.raises(ArtifactError, match="a SVC in it has intercepts"):
        load_sklearn_model(blobs, manifest)


def test_sparse_svms_load_and_a_malformed_sparse_one_is_refused(blobs):
    from scipy import sparse

    trusted = ["scipy.sparse._csr.csr_matrix"]
    data = sparse.csr_matrix(X)
    model = svm.SVC().fit(data, Y)
    loaded = load_sklearn_model(blobs, save(blobs, model), trusted=trusted)
    np.testing.assert_array_equal(loaded.predict(data), model.predict(data))
    model.support_vectors_.indptr[3] = 10**6
    manifest = save(blobs, model)
    with pytest.raises(ArtifactError, match="a malformed sparse support vector matrix"):
        load_sklearn_model(blobs, manifest, trusted=trusted)
