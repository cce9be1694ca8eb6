"""The checker: rules over blobs from the index, a commit range, the tree or the whole history."""
