"""Test support: the database under test, a real uvicorn server, a GraphQL client."""
