"""Checks on the node arrays of tree models before anyone predicts with them.

skops leaves ``sklearn.tree._tree.Tree``, HistGradientBoosting's ``TreePredictor`` and the
neighbour trees untrusted on purpose: scikit-learn follows their indices without bounds
checks, so a crafted file could crash the process or read memory it should not. The registry
trusts these types (everyday models need them) only after these checks pass.
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
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.neighbors import BallTree, KDTree
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
