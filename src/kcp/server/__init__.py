"""The HTTP server: aiohttp application, filters, endpoints, TLS and kubeconfig bootstrap."""
