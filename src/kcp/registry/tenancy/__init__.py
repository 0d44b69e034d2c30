"""tenancy.kcp.io and core.kcp.io: workspaces, their types, and the LogicalCluster singleton."""
