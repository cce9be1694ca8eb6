from tests.rotation.conftest import rfleet  # noqa: F401  (a secretops-built fleet with a remote)
