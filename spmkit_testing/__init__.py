"""spmkit_testing."""
