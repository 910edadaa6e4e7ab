"""`make bench` (bench/README.md): the benchmark's scripts, and a small Django app that only
the benchmark installs (bench/settings.py): the `seed_scale` command and the reference pages
under /__bench__/. The product's settings never install it, so none of this ships."""
