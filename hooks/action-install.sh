#!/usr/bin/env bash
# The action's install step: secretops from the action's own checkout (or a pinned version), with
# the pinned sops wheel it depends on.
set -euo pipefail
if [ -n "${SECRETOPS_VERSION:-}" ]; then
  python -m pip install --quiet "secretops==${SECRETOPS_VERSION}"
else
  python -m pip install --quiet "${SECRETOPS_ACTION_PATH:?}"
fi
secretops --version >/dev/null
