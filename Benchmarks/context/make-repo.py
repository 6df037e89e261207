#!/usr/bin/env python3
"""Builds a git repository with many tracked source files for `takumi context` timing.

usage: make-repo.py DIR [FILES]   (default 50000 files; DIR must not exist)

Files are small, plausible sources in six languages (functions, types, comments) spread
over nested directories, committed in two commits so HEAD has history; a few are left
modified so status has work to do. Deterministic (fixed seed).
"""
import os
import random
import subprocess
import sys

WORDS = ("account alpha buffer cache client config decode encode event fetch filter handler index "
         "item key layout list loader manager message node order parser payload queue reader record "
         "render request response router schema session socket store stream token user value writer "
         "worker batch cursor frame image metric report signal table thread timer upload vector").split()

def ident(rng, parts=2, camel=True):
    words = [rng.choice(WORDS) for _ in range(parts)]
    if camel:
        return words[0] + "".join(w.capitalize() for w in words[1:])
    return "_".join(words)

def type_name(rng):
    return "".join(w.capitalize() for w in (rng.choice(WORDS), rng.choice(WORDS)))

def python_file(rng):
    out = ['"""%s utilities."""' % rng.choice(WORDS), "import os", ""]
    for _ in range(rng.randint(2, 5)):
        cls = type_name(rng)
        out += ["", "class %s:" % cls, "    def __init__(self, %s):" % ident(rng, 1, False),
                "        self.state = {}", ""]
        for _ in range(rng.randint(1, 4)):
            out += ["    def %s(self, %s):" % (ident(rng, 2, False), ident(rng, 1, False)),
                    "        # %s the %s before the %s" % tuple(rng.choice(WORDS) for _ in range(3)),
                    "        return self.state.get(%r)" % rng.choice(WORDS), ""]
    return "\n".join(out) + "\n"

def swift_file(rng):
    out = ["import Foundation", ""]
    for _ in range(rng.randint(2, 5)):
        out += ["/// A %s for %s." % (rng.choice(WORDS), rng.choice(WORDS)), "struct %s {" % type_name(rng),
                "    var %s: Int = 0" % ident(rng)]
        for _ in range(rng.randint(1, 4)):
            out += ["    func %s(_ %s: String) -> Int {" % (ident(rng), ident(rng, 1)),
                    "        return %s.count + %d" % (ident(rng, 1), rng.randint(0, 99)), "    }"]
        out += ["}", ""]
    return "\n".join(out)

def go_file(rng):
    out = ["package %s" % rng.choice(WORDS), "", 'import "fmt"', ""]
    for _ in range(rng.randint(2, 5)):
        t = type_name(rng)
        out += ["// %s holds a %s." % (t, rng.choice(WORDS)), "type %s struct {" % t, "\tcount int", "}", ""]
        for _ in range(rng.randint(1, 3)):
            out += ["func (x *%s) %s(%s string) string {" % (t, type_name(rng), ident(rng, 1)),
                    '\treturn fmt.Sprintf("%%s-%%d", %s, x.count)' % ident(rng, 1), "}", ""]
    return "\n".join(out)

def ts_file(rng):
    out = []
    for _ in range(rng.randint(2, 5)):
        out += ["export interface %s {" % type_name(rng), "  %s: string;" % ident(rng), "}", "",
                "export function %s(input: string): number {" % ident(rng),
                "  // %s %s" % (rng.choice(WORDS), rng.choice(WORDS)), "  return input.length;", "}", ""]
    return "\n".join(out)

def c_file(rng):
    out = ["#include <stdio.h>", ""]
    for _ in range(rng.randint(2, 5)):
        out += ["struct %s {" % ident(rng, 2, False), "    int %s;" % ident(rng, 1, False), "};", "",
                "int %s(int value)" % ident(rng, 2, False), "{", "    /* %s */" % rng.choice(WORDS),
                "    return value * %d;" % rng.randint(2, 9), "}", ""]
    return "\n".join(out)

def rust_file(rng):
    out = []
    for _ in range(rng.randint(2, 5)):
        t = type_name(rng)
        out += ["pub struct %s {" % t, "    %s: usize," % ident(rng, 1, False), "}", "",
                "impl %s {" % t, "    pub fn %s(&self) -> usize {" % ident(rng, 2, False),
                "        self.%s + %d" % (rng.choice(WORDS), rng.randint(0, 9)), "    }", "}", ""]
    return "\n".join(out)

GENERATORS = [(".py", python_file), (".swift", swift_file), (".go", go_file), (".ts", ts_file),
              (".c", c_file), (".rs", rust_file)]

def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 50000
    if os.path.exists(root):
        sys.exit("make-repo: %s already exists" % root)
    rng = random.Random(42)
    os.makedirs(root)
    git = lambda *args: subprocess.run(["git", "-C", root] + list(args), check=True, stdout=subprocess.DEVNULL)
    git("init", "-q", "-b", "main")
    git("config", "user.name", "bench")
    git("config", "user.email", "bench@example.com")
    paths = []
    for i in range(count):
        ext, make = GENERATORS[i % len(GENERATORS)]
        # About 20 files per directory, 100 directories per package (like real trees).
        d = i // 20
        directory = os.path.join("pkg%02d" % (d // 100), "%s%02d" % (WORDS[d % len(WORDS)], d % 100))
        path = os.path.join(directory, "%s_%d%s" % (rng.choice(WORDS), i, ext))
        os.makedirs(os.path.join(root, directory), exist_ok=True)
        with open(os.path.join(root, path), "w") as f:
            f.write(make(rng))
        paths.append(path)
    # The needle a benchmark instruction asks about.
    os.makedirs(os.path.join(root, "pkg07/checkout"), exist_ok=True)
    with open(os.path.join(root, "pkg07/checkout/checkout_pricing.py"), "w") as f:
        f.write('"""Checkout pricing."""\n\n\ndef apply_loyalty_discount(total, tier):\n    return total * 0.95 if tier == "gold" else total\n')
    git("add", "-A")
    git("commit", "-q", "-m", "Import generated sources")
    for path in paths[:200]:
        with open(os.path.join(root, path), "a") as f:
            f.write("\n# touched\n" if path.endswith(".py") else "\n// touched\n")
    git("commit", "-q", "-am", "Touch 200 files")
    for path in paths[200:220]:
        with open(os.path.join(root, path), "a") as f:
            f.write("\n// uncommitted\n")
    print("created %s with %d tracked files" % (root, count + 1))

if __name__ == "__main__":
    main()
