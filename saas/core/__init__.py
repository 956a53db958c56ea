"""The core every module stands on (see DESIGN.md): what modules share instead of importing
each other's internals. `saas.core.ids`: how an incoming global id becomes a primary key of
the caller's firm."""
