"""kcp for Python: a Kubernetes-like control plane whose unit of tenancy is the workspace."""

__version__ = "0.1.0"
