"""The repository model: conventions, sops-file discovery, key Secrets."""
