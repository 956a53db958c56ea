"""Client organizations, their contact persons and grants (issue 3)."""
