#!/usr/bin/env python3
"""Writes Fixtures/golden/tokenizer-extra.jsonl: llama.cpp's token ids for extra texts.

Run with a Python that has llama-cpp-python (vocab only; no weights are evaluated):
    /tmp/takumi-peer/bin/python scripts/make-tokenizer-fixture.py MODEL.gguf
Each line: {"text", "parse_special", "ids"}.
Also writes Fixtures/golden/tokenizer-fuzz.jsonl: 500 seeded random strings over an alphabet
of characters the pre-tokenizer treats differently (letters, digits, apostrophes, spaces,
line breaks, Unicode spaces, marks, CJK, emoji, punctuation), and
Fixtures/golden/tokenizer-corpus.jsonl: whole source files of this repository with their ids.
"""
import json, os, sys
import random
import llama_cpp

FUZZ_ALPHABET = [" ", " ", " ", "\t", "\n", "\r", "\r\n", "a", "Z", "x", "s", "t", "re", "LL",
    "1", "42", "'", "'", "\u2019", ".", "-", "(", ")", "{", ";", "=", "<", "|", "#", "\"",
    "\u00e9", "\u0301", "\u65e5", "\u3042", "\u30fc", "\U0001F600", "\u200d", "\u3000",
    "\u00a0", "\u2003", "\u000b", "\u000c", "\u0085", "\u001f", "\u0663", "\u00b2",
    "\u2167", "\u00bd", "_", "\u00ad", "\u0000", "\u007f"]

def fuzz_cases(count=500, seed=20261129):
    rng = random.Random(seed)
    return ["".join(rng.choice(FUZZ_ALPHABET) for _ in range(rng.randint(1, 24))) for _ in range(count)]

CASES = [
    # code in several languages
    "#include <stdio.h>\nint main(void) {\n    printf(\"%d\\n\", 42);\n    return 0;\n}\n",
    "fn main() {\n    let v: Vec<u32> = (0..10).map(|x| x * x).collect();\n    println!(\"{:?}\", v);\n}\n",
    "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n",
    "const f = async (x) => { await fetch(`/api/${x}`); return x?.y ?? 0; };\n",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;\n",
    "<div class=\"main\"><p>Hello &amp; welcome</p></div>\n",
    "    def __init__(self, *args, **kwargs):\n        super().__init__(*args, **kwargs)\n",
    "if [ -z \"$HOME\" ]; then echo 'no home' >&2; exit 1; fi\n",
    "struct Point { var x: Double; var y: Double }\nlet p = Point(x: 1.5, y: -2e10)\n",
    "{\"key\": [1, 2, 3], \"nested\": {\"a\": null, \"b\": true}}",
    "x==y!=z<=w>=v->u=>t::s...r",
    "/* multi\n * line\n */\n// comment\n#pragma once\n",
    # whitespace runs, CRLF, tabs
    "a\r\nb\r\n\r\nc\n\n\n",
    "line1\r\n    indented\r\n\tTab\r\n",
    "   leading and trailing   ",
    " ",
    "  ",
    "\n",
    "\t\t\tx",
    "\t \t \n \t x",
    "a  b   c    d\n     e",
    "end with spaces   \n   ",
    "x \n",
    "\r\r\n\n\r",
    "\u3000全角スペース\u3000です",
    "non\u00a0breaking\u2003em space",
    "\u000b\u000c vertical",
    "\u001c\u001d\u001e\u001f separators",
    "next\u0085line",
    # digits
    "0123456789",
    "3.14159 2,718 1e-9 0xFF 0b1010 1_000_000",
    "٣٤٥ ²³ ½ Ⅻ",
    "v1.2.3-beta+build.45",
    # contractions
    "I'm you're we've they'll she'd it's can't",
    "I'M YOU'RE WE'VE THEY'LL SHE'D IT'S CAN'T",
    "'s 't 're 've 'm 'll 'd 'x 'hello ''",
    "rock'n'roll o'clock",
    "it’s curly apostrophe",
    # Japanese and other scripts
    "日本語のテキストとカタカナ、ひらがな。",
    "東京都は日本の首都です。人口は約1400万人。",
    "Привет, мир! Ελληνικά. עברית. العربية. हिन्दी.",
    "한국어 텍스트입니다.",
    "中文代码注释：计算两个数的和",
    # emoji and symbols
    "👍",
    "👨‍👩‍👧‍👦 family 🏳️‍🌈 flag",
    "😀😃😄 smile",
    "→ ← ↑ ↓ ∀x∈ℝ: x² ≥ 0",
    "e\u0301 combining acute, n\u0303",
    "Zero\u200bwidth\u200djoiner",
    # special tokens inside text
    "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
    "text<|endoftext|>more",
    "<|fim_prefix|>def f():\n    <|fim_suffix|>\n    return x\n<|fim_middle|>",
    "<|repo_name|>takumi\n<|file_sep|>src/main.swift\nprint(1)\n",
    "<tool_call>{\"name\": \"f\"}</tool_call>",
    "<|im_start|><|im_start|>",
    "<|im_start",
    "<|unknown_special|>",
    "[PAD151665]",
    "a<|im_end|>b",
    # long runs
    "=" * 200,
    " " * 100 + "x",
    "a" * 300,
    "ab" * 150,
    "-" * 80 + "\n" + "#" * 40,
]

SPECIAL_OFF = [
    "<|im_start|>user\nhi<|im_end|>",
    "<tool_call>x</tool_call>",
    "text<|endoftext|>",
]

def main():
    model = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser(
        "~/.cache/takumi/models/qwen2.5-coder-0.5b-instruct.gguf")
    out = sys.argv[2] if len(sys.argv) > 2 else "Fixtures/golden/tokenizer-extra.jsonl"
    llm = llama_cpp.Llama(model, vocab_only=True, verbose=False)
    with open(out, "w", encoding="utf-8") as f:
        for parse_special, texts in ((True, CASES), (False, SPECIAL_OFF)):
            for text in texts:
                ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=parse_special)
                f.write(json.dumps({"text": text, "parse_special": parse_special, "ids": ids},
                                   ensure_ascii=False) + "\n")
    with open(os.path.join(os.path.dirname(out), "tokenizer-fuzz.jsonl"), "w", encoding="utf-8") as f:
        for text in fuzz_cases():
            ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
            f.write(json.dumps({"text": text, "ids": ids}, ensure_ascii=True) + "\n")
    write_corpus(llm, os.path.dirname(out))

# Whole files of this repository (Swift, C, Python, shell, Makefile), copied into the
# fixture with their ids so the test does not depend on the files staying the same.
CORPUS_FILES = ["Sources/TakumiInference/Tokenizer.swift", "Sources/TakumiInference/PreTokenizer.swift",
    "Sources/CKernels/include/ckernels.h", "Sources/CKernels/pool.c", "scripts/make-tokenizer-fixture.py",
    "scripts/fetch-model", "Makefile", "Package.swift"]

def write_corpus(llm, out_dir):
    with open(os.path.join(out_dir, "tokenizer-corpus.jsonl"), "w", encoding="utf-8") as f:
        for path in CORPUS_FILES:
            text = open(path, encoding="utf-8").read()
            ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
            f.write(json.dumps({"path": path, "text": text, "ids": ids}, ensure_ascii=False) + "\n")

if __name__ == "__main__":
    main()
