"""The kubectl plugins `kubectl ws`, `kubectl create workspace` and `kubectl kcp`, as kcp ships them.

They edit the user's kubeconfig and talk HTTP to any kcp-compatible server; they never import the
server's internals. Messages, exit codes and kubeconfig bookkeeping (contexts `workspace.kcp.io/current`
and `workspace.kcp.io/previous`) match kcp's `cli/` so scripts written for kcp keep working.
"""
