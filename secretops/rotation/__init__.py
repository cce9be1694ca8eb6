"""Two-commit age key rotation: start (both keys), status (ask Flux), finish (new key only), abort."""
