"""Performance runs: each ``bench_*.py`` module's ``main()`` prints one JSON object."""
