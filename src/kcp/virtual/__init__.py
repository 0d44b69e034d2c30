"""Virtual workspaces: computed API views under /services/ for controllers working across workspaces."""
