"""The store contract suite: registry.store.contract's guarantees, checked once for every
backend (a package, so its module names may repeat those of the tests beside it)."""
