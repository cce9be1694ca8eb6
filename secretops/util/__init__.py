"""Small helpers that know nothing of sops, git or Kubernetes."""
