"""fabric_demo — a hand-written stand-in for a package that `sibyl gen
--instrumented` writes: `python -m fabric_demo [--config NAME] [--conf k=v]
[--until GEM]`, one SIBYL-EDGE line per edge. The fabric tests run it on
every driver. Test hooks through --conf: fail_at=GEM raises in that gem,
die_at=GEM kills the Python process after that gem's edge, sleep=S runs a
Spark job of S seconds first, out_path=DIR writes the last gem's rows."""
