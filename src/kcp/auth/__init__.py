"""Authentication and authorization: RBAC evaluation, bootstrap policy, tokens, impersonation."""
