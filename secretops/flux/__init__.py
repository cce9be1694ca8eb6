"""The cluster side: kubeconfig, a small Kubernetes client, Flux's API objects and the judgement of
Flux's state. Used by `rotate status` and by adoption; never imported on the hook path."""
