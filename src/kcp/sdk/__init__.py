"""What providers import: a cluster-aware client, informers, a workqueue and a reconciler runner.

It talks HTTP to any kcp-compatible server and never imports the server's internals.
"""

from kcp.sdk.client import GVR, Client, ClusterClient
from kcp.sdk.controller import Controller, Result
from kcp.sdk.informer import Informer, ObjectKey
from kcp.sdk.workqueue import WorkQueue

__all__ = ["GVR", "Client", "ClusterClient", "Controller", "Informer", "ObjectKey", "Result", "WorkQueue"]
