"""Cluster-aware controllers built on kcp.sdk, exactly as a provider would write them."""
