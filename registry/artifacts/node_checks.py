"""Checks on the node arrays of tree models and the arrays of support vector machines,
neighbour models and k-means before anyone predicts with them.

skops leaves ``sklearn.tree._tree.Tree``, HistGradientBoosting's ``TreePredictor`` and the
neighbour trees untrusted on purpose: scikit-learn follows their indices without bounds
checks, so a crafted file could crash the process or read memory it should not. The registry
trusts these types (everyday models need them) only after these checks pass. skops trusts
SVC, NuSVC, SVR, NuSVR and OneClassSVM, yet libsvm walks their support vectors by the counts
in ``_n_support`` and the lengths of the other arrays, unchecked; those are checked here too.
It also trusts the neighbour estimators and KMeans/MiniBatchKMeans, whose Cython distance
code walks ``_fit_X`` and ``cluster_centers_`` by the width of the query (checked against
``n_features_in_`` only), so their arrays must agree with ``n_features_in_`` and each other.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from registry.errors import ArtifactError


def check_node_arrays(sha: str, model: Any) -> None:
    """Refuse a model whose tree node arrays would make scikit-learn read out of bounds.

    scikit-learn trusts these arrays when predicting; a file crafted with bad indices would
    crash the process or leak memory instead of raising.
    """
    from sklearn.cluster._kmeans import _BaseKMeans
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.neighbors import BallTree, KDTree
    from sklearn.neighbors._base import NeighborsBase
    from sklearn.svm._base import BaseLibSVM
    from sklearn.tree._tree import Tree

    for obj, owner in _walk(model):
        width = getattr(owner, "n_features_in_", None)
        if isinstance(obj, (Tree, TreePredictor)) and not isinstance(width, (int, np.integer)):
            problem = "no fitted estimator directly around it to check the input width"
        elif isinstance(obj, Tree):
            problem = _tree_problem(obj, int(width))
        elif isinstance(obj, TreePredictor):
            problem = _predictor_problem(obj, owner, int(width))
        elif isinstance(obj, (KDTree, BallTree)):
            problem = _binary_tree_problem(obj)
        elif isinstance(obj, (GradientBoostingClassifier, GradientBoostingRegressor)):
            trees = np.ravel(getattr(obj, "estimators_", []))
            own = getattr(obj, "n_features_in_", None)
            widths = {getattr(e, "n_features_in_", None) for e in trees} - {own}
            problem = "trees of another width than its own" if widths else None
        elif isinstance(obj, BaseLibSVM):
            problem = _libsvm_problem(obj)
        elif isinstance(obj, NeighborsBase):
            problem = _neighbors_problem(obj)
        elif isinstance(obj, _BaseKMeans):
            problem = _kmeans_problem(obj)
        else:
            continue
        if problem:
            raise ArtifactError(
                f"model file {sha} is unsafe to load: a {type(obj).__name__} in it has {problem}; "
                "it was not written that way by scikit-learn, re-log the model from its source"
            )


def _walk(root: Any):
    """Yield each object reachable from ``root`` with its nearest ancestor estimator."""
    from sklearn.base import BaseEstimator

    seen: set[int] = set()
    stack: list[tuple[Any, Any]] = [(root, None)]
    while stack:
        obj, owner = stack.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, int, float, type(None))):
            continue
        seen.add(id(obj))
        yield obj, owner
        if isinstance(obj, np.ndarray):
            children = obj.ravel() if obj.dtype == object else ()
        elif isinstance(obj, dict):
            children = obj.values()
        elif isinstance(obj, (list, tuple, set, frozenset)):
            children = obj
        else:
            children = vars(obj).values() if hasattr(obj, "__dict__") else ()
        if isinstance(obj, BaseEstimator):
            owner = obj
        stack.extend((child, owner) for child in children)


def _children_problem(left: np.ndarray, right: np.ndarray, split: np.ndarray) -> str | None:
    """Children must come after their parent and every node but the root have one parent."""
    ids = np.flatnonzero(split)
    left, right = left[split].astype(np.int64), right[split].astype(np.int64)
    if not ((left > ids).all() and (right > ids).all()):
        return "a child node placed before its parent"
    if not np.array_equal(np.sort(np.concatenate([left, right])), np.arange(1, len(split))):
        return "nodes that do not form one tree"
    return None


def _depth(left: np.ndarray, right: np.ndarray, split: np.ndarray) -> int:
    """Depth of a checked tree, by pointer doubling: log(depth) vectorised steps."""
    ancestor, ids = np.zeros(len(split), dtype=np.int64), np.flatnonzero(split)
    ancestor[left[split]], ancestor[right[split]] = ids, ids
    distance = (np.arange(len(split)) > 0).astype(np.int64)
    while ancestor.any():
        distance += distance[ancestor]
        ancestor = ancestor[ancestor]
    return int(distance.max())


def _tree_problem(tree: Any, width: int) -> str | None:
    if not 0 < tree.node_count <= tree.capacity:
        return f"node_count {tree.node_count} outside 1..{tree.capacity}"
    if tree.n_features != width:
        return f"{tree.n_features} features where its estimator has {width}"
    left, right = tree.children_left, tree.children_right
    split = left != -1
    if (right[~split] != -1).any():
        return "a node with one child"
    feature = tree.feature[split]
    if ((feature < 0) | (feature >= width)).any():
        return "a split on a feature index out of range"
    problem = _children_problem(left, right, split)
    if problem is None and _depth(left, right, split) > tree.max_depth:
        problem = f"paths deeper than its max_depth {tree.max_depth}"
    return problem


def _predictor_problem(predictor: Any, owner: Any, width: int) -> str | None:
    from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE

    nodes = predictor.nodes
    if not (isinstance(nodes, np.ndarray) and nodes.ndim == 1 and nodes.size):
        return "an empty or malformed nodes array"
    if nodes.dtype != PREDICTOR_RECORD_DTYPE:
        return "a nodes array of the wrong dtype"
    bitsets = (predictor.raw_left_cat_bitsets, predictor.binned_left_cat_bitsets)
    if not all(
        isinstance(b, np.ndarray) and b.dtype == np.uint32 and b.shape[1:] == (8,) for b in bitsets
    ):
        return "malformed category bitsets"
    split = nodes["is_leaf"] == 0
    feature = nodes["feature_idx"]
    if ((feature[split] < 0) | (feature[split] >= width)).any():
        return "a split on a feature index out of range"
    categorical = split & (nodes["is_categorical"] != 0)
    if (nodes["bitset_idx"][categorical] >= min(len(b) for b in bitsets)).any():
        return "a category bitset index out of range"
    is_cat = getattr(getattr(owner, "_bin_mapper", None), "is_categorical_", None)
    if categorical.any() and not (
        isinstance(is_cat, np.ndarray)
        and is_cat.shape == (width,)
        and is_cat[feature[categorical]].all()
    ):
        return "a categorical split on a feature not known as categorical"
    return _children_problem(nodes["left"], nodes["right"], split)


def _binary_tree_problem(tree: Any) -> str | None:
    state = tree.__getstate__()
    data, order, nodes, bounds, n_levels, n_nodes = *state[:4], state[5], state[6]
    n_samples, width = data.shape
    if not np.array_equal(np.sort(order), np.arange(n_samples)):
        return "an index array that is not a permutation of its samples"
    if n_levels < 1 or n_nodes != 2**n_levels - 1 or len(nodes) != n_nodes:
        return "a node count that does not match its levels"
    if bounds.shape[1:] != (n_nodes, width):
        return "node bounds of the wrong shape"
    start, end = nodes["idx_start"], nodes["idx_end"]
    if ((start < 0) | (start > end) | (end > n_samples)).any():
        return "a node range outside its samples"
    if (2 * np.flatnonzero(nodes["is_leaf"] == 0) + 2 >= n_nodes).any():
        return "an inner node on the last level"
    metric = state[11]
    weighted = type(metric).__name__.startswith("Minkowski")  # only Minkowski reads its weights
    if weighted and np.asarray(metric.__getstate__()[1]).size not in (0, width):
        return "metric weights of the wrong length"
    if state[12] is not None and len(state[12]) != n_samples:
        return "sample weights of the wrong length"
    return None


_LIBSVM_ARRAYS = (
    "support_vectors_",
    "_n_support",
    "_dual_coef_",
    "_intercept_",
    "_probA",
    "_probB",
)


def _libsvm_problem(svm: Any) -> str | None:
    """What in a fitted SVM's arrays would make libsvm read past them (None: nothing).

    libsvm takes the number of support vectors from ``support_``, the number of classes from
    ``_n_support`` and reads the coefficients, intercepts and probabilities by those counts.
    """
    from sklearn.svm._base import LIBSVM_IMPL

    if "support_" not in vars(svm):
        return None  # not fitted: predicting raises NotFittedError
    impl, shape = getattr(svm, "_impl", None), getattr(svm, "shape_fit_", None)
    if (
        any(not hasattr(svm, name) for name in _LIBSVM_ARRAYS)
        or not (isinstance(impl, str) and impl in LIBSVM_IMPL)
        or not (isinstance(shape, tuple) and len(shape) == 2)
    ):
        return "incomplete libsvm arrays or an unknown libsvm type"
    support, counts, intercept = svm.support_, svm._n_support, svm._intercept_
    flat = (support, counts, intercept, svm._probA, svm._probB)
    if not all(isinstance(a, np.ndarray) and a.ndim == 1 for a in flat):
        return "libsvm arrays that are not 1-D arrays"
    n, classes = len(support), len(counts)
    counts = counts.astype(np.int64)
    if (counts < 0).any():
        return "a negative support vector count"
    if LIBSVM_IMPL.index(impl) < 2:  # classifiers: one count per class
        if classes < 2 or counts.sum() != n:
            return f"support vector counts that do not add up to its {n} support vectors"
        known = len(getattr(svm, "classes_", ()))
        if classes != known:
            return f"support vector counts for {classes} classes where it has {known}"
    elif classes != 2 or counts[0] != n:
        return f"a support vector count that is not its {n} support vectors"
    if n and not (support.min() >= 0 and support.max() < shape[0]):
        return "support vector indices outside its training samples"
    pairs = classes * (classes - 1) // 2
    if len(intercept) != pairs or any(len(p) not in (0, pairs) for p in (svm._probA, svm._probB)):
        return f"intercepts or probability parameters of another length than its {pairs} pairs"
    return _libsvm_vectors_problem(svm, n, classes, shape[1])


def _libsvm_vectors_problem(svm: Any, n: int, classes: int, width: int) -> str | None:
    """Support vectors and dual coefficients must be (n, width) and (classes - 1, n)."""
    from scipy import sparse

    vectors, coef = svm.support_vectors_, svm._dual_coef_
    if svm._sparse:
        if not (sparse.issparse(vectors) and vectors.format == "csr" and sparse.issparse(coef)):
            return "sparse support vectors that are not a CSR matrix"
        try:
            vectors.check_format(full_check=True)
        except ValueError:
            return "a malformed sparse support vector matrix"
        if vectors.shape != (n, width) or coef.data.shape != ((classes - 1) * n,):
            return "sparse support vectors or coefficients of the wrong shape"
        return None
    if not (isinstance(vectors, np.ndarray) and isinstance(coef, np.ndarray)):
        return "support vectors or coefficients that are not arrays"
    precomputed = callable(svm.kernel) or (
        isinstance(svm.kernel, str) and svm.kernel == "precomputed"
    )
    if not precomputed and vectors.shape != (n, width):
        return f"support vectors of shape {vectors.shape} where {(n, width)} is expected"
    if coef.shape != (classes - 1, n):
        return f"dual coefficients of shape {coef.shape} where {(classes - 1, n)} is expected"
    return None


def _whole(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _neighbors_problem(model: Any) -> str | None:
    """What in a fitted neighbours model would make scikit-learn read past its samples or
    targets (None: nothing): brute-force search reads ``_fit_X`` rows by the query's width."""
    from scipy import sparse
    from sklearn.neighbors import BallTree, KDTree

    if "_fit_X" not in vars(model):
        return None  # not fitted: predicting raises NotFittedError
    samples, n = model._fit_X, getattr(model, "n_samples_fit_", None)
    width = getattr(model, "n_features_in_", None)
    if not (_whole(n) and _whole(width)):
        return "no whole number of samples or features"
    if sparse.issparse(samples):
        if samples.format != "csr":
            return "sparse samples that are not a CSR matrix"
        try:
            samples.check_format(full_check=True)
        except ValueError:
            return "a malformed sparse sample matrix"
    elif not (isinstance(samples, np.ndarray) and samples.ndim == 2):
        return "samples that are not a 2-D array"
    if samples.shape != (n, width):
        return f"samples of shape {samples.shape} where {(n, width)} is expected"
    method, tree = getattr(model, "_fit_method", None), getattr(model, "_tree", None)
    if method not in ("brute", "kd_tree", "ball_tree"):
        return f"an unknown search method {method!r}"
    if method != "brute" and not (
        isinstance(tree, (KDTree, BallTree)) and np.asarray(tree.data).shape == samples.shape
    ):
        return "a neighbour tree that does not hold its samples"
    return _neighbor_targets_problem(model, n)


def _neighbor_targets_problem(model: Any, n: int) -> str | None:
    """One target per sample; a classifier's are class indices (one column per output)."""
    targets = vars(model).get("_y")
    if targets is None:
        return None  # NearestNeighbors, LocalOutlierFactor, the transformers: no targets
    if not (isinstance(targets, np.ndarray) and targets.ndim in (1, 2) and len(targets) == n):
        return f"targets that are not one per each of its {n} samples"
    if not hasattr(model, "classes_"):
        return None
    columns = targets.reshape(n, -1)
    classes = [model.classes_] if targets.ndim == 1 else list(model.classes_)
    if not np.issubdtype(targets.dtype, np.integer) or columns.shape[1] != len(classes):
        return "targets that are not class indices"
    if n and any(
        not 0 <= columns[:, i].min() <= columns[:, i].max() < len(c) for i, c in enumerate(classes)
    ):
        return "class indices outside its classes"
    return None


def _kmeans_problem(model: Any) -> str | None:
    """Cluster centres must be (k >= 1, n_features_in_) and the thread count at least 1 (a
    negative one makes OpenMP abort the process)."""
    if "cluster_centers_" not in vars(model):
        return None
    centers, width = model.cluster_centers_, getattr(model, "n_features_in_", None)
    if not _whole(width):
        return "no whole number of features"
    if not (isinstance(centers, np.ndarray) and centers.ndim == 2 and len(centers)):
        return "cluster centres that are not a non-empty 2-D array"
    if centers.shape[1] != width:
        return f"cluster centres of shape {centers.shape} for {width} features"
    threads = getattr(model, "_n_threads", 1)
    if not (_whole(threads) and threads >= 1):
        return f"a thread count of {threads!r}"
    return None
