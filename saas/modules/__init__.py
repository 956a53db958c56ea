"""Product modules: one folder each (models, service, graphql, loaders, jobs, policy)."""
