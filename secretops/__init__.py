"""secretops: the life of SOPS-encrypted secrets in a multi-cluster Flux GitOps repository."""

__version__ = "0.1.0"
