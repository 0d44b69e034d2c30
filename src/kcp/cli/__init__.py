"""Command lines: `kcp start` and the kubectl plugins. The only place that parses arguments."""
