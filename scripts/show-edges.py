"""show-edges.py — print the per-edge previews of an instrumented run
(`sibyl gen --instrumented`), read from stdin, as a data engineer wants to
see them: each gem's output with its row count, time and first rows."""
import json
import sys


def main():
    for line in sys.stdin:
        if not line.startswith("SIBYL-EDGE "):
            continue
        edge = json.loads(line[len("SIBYL-EDGE "):])
        cols = [c["name"] for c in edge.get("schema", [])]
        print(f"\n{edge['gem']}.{edge['port']}: {edge['count']} rows, {edge.get('ms', 0)} ms")
        rows = edge.get("rows", [])
        if not rows:
            continue
        cells = [[str(r.get(c) if isinstance(r, dict) else r[i]) for i, c in enumerate(cols)]
                 for r in rows]
        widths = [min(24, max(len(c), *(len(row[i]) for row in cells))) for i, c in enumerate(cols)]
        fmt = "  " + " | ".join(f"{{:{w}.{w}}}" for w in widths)
        print(fmt.format(*cols))
        for row in cells:
            print(fmt.format(*row))


if __name__ == "__main__":
    main()
