"""init, encrypt/decrypt/edit, the file inventory and the git hook installer."""
