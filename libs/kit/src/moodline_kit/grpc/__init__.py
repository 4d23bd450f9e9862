"""gRPC plumbing: server builder, interceptors, health, client channels."""
