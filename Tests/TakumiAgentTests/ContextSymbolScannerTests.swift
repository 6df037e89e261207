import Foundation
import Testing
import TakumiAgent

@Suite struct ContextSymbolScannerTests {
    func names(_ text: String, _ language: SourceLanguage) -> [String] {
        SymbolScanner.symbols(in: text, language: language).map(\.name)
    }

    @Test func swift() {
        let text = """
        import Foundation
        /// doc
        public struct Parser {
            public static func parse(_ s: String) -> Int { 0 }
            private var cache: [Int] = []
            class func make() -> Parser { Parser() }
            func inner() {
                func nested() {}
            }
        }
        extension Parser: Equatable {}
        final class Store {}
        protocol Renderer {}
        enum Kind { case a }
        let globalConstant = 3
        typealias Handler = () -> Void
        actor Counter {}
        """
        #expect(names(text, .swift) == ["Parser", "parse", "make", "inner", "Parser", "Store", "Renderer", "Kind",
                                         "globalConstant", "Handler", "Counter"])
        let symbols = SymbolScanner.symbols(in: text, language: .swift)
        #expect(symbols.first { $0.name == "parse" }?.kind == .method)
        #expect(symbols.first { $0.name == "parse" }?.line == 4)
    }

    @Test func python() {
        let text = "import os\nMAX_SIZE = 10\n\nclass Cart:\n    def total(self):\n        def inner():\n            pass\n\nasync def fetch(url):\n    pass\n# def commented(): pass\n"
        #expect(names(text, .python) == ["MAX_SIZE", "Cart", "total", "fetch"])
    }

    @Test func go() {
        let text = "package x\n\ntype Cache struct {\n}\n\nfunc New() *Cache {\n}\n\nfunc (c *Cache) Get(key string) {\n}\n\nvar ErrMissing = errors.New(\"x\")\n"
        #expect(names(text, .go) == ["Cache", "New", "Get", "ErrMissing"])
    }

    @Test func rust() {
        let text = "pub struct Lexer<'a> {}\nimpl<'a> Lexer<'a> {\n    pub fn next_token(&mut self) {}\n}\nimpl Display for Lexer {}\npub(crate) enum Kind {}\ntrait Visit {}\nmod tests {}\nconst LIMIT: usize = 3;\nmacro_rules! check {}\n"
        #expect(names(text, .rust) == ["Lexer", "Lexer", "next_token", "Lexer", "Kind", "Visit", "tests", "LIMIT", "check"])
    }

    @Test func typescriptAndJavaScript() {
        let text = "export interface User {}\nexport class ApiClient {\n  async get(path: string): Promise<T> {\n    if (x) {\n  }\n}\nexport async function fetchUsers() {}\nexport const DEFAULT = 3;\ntype Id = string;\nenum Color {}\n"
        #expect(names(text, .typescript) == ["User", "ApiClient", "get", "fetchUsers", "DEFAULT", "Id", "Color"])
        #expect(names("export default function Button({ a }) {\n}\nconst x = () => 1;\n", .javascript) == ["Button", "x"])
    }

    @Test func java() {
        let text = "package a;\npublic class ImageLoader {\n    private final int max;\n    public ImageLoader(int max) {\n    }\n    public Bitmap decodeBitmap(InputStream s) {\n        if (x) {\n        return decode(s);\n    }\n}\ninterface Cache {}\n"
        #expect(names(text, .java) == ["ImageLoader", "ImageLoader", "decodeBitmap", "Cache"])
    }

    @Test func cAndCpp() {
        let text = "#include <x.h>\n#define RB_SIZE 256\nstruct ring_buffer {\n};\nint ring_buffer_pop(struct ring_buffer *rb, unsigned char *out)\n{\n    if (x) {\n    return helper(rb);\n}\nstatic inline int twice(int x) { return 2 * x; }\ntypedef unsigned long word_t;\nint declared_only(int);\n/* int commented(void)\n   { */\n"
        #expect(names(text, .c) == ["RB_SIZE", "ring_buffer", "ring_buffer_pop", "word_t"])
        #expect(names("namespace io {\nclass Reader {\n  public:\n  int read(char* buf) const {\n  }\n};\n}\nvoid Reader::close() {\n}\n", .cpp)
                == ["io", "Reader", "read", "close"])
    }

    @Test func languageFromPath() {
        #expect(SourceLanguage(path: "a/b.swift") == .swift)
        #expect(SourceLanguage(path: "x.tsx") == .typescript)
        #expect(SourceLanguage(path: "x.h") == .c)
        #expect(SourceLanguage(path: "README.md") == nil)
    }
}

@Suite struct ContextTermsTests {
    @Test func queryTermsSplitCompoundsAndDropStopwords() {
        #expect(Terms.queryTerms("Fix parseConfig in the HTTPServer and read_file tokens") ==
                ["parseconfig", "parse", "config", "httpserver", "http", "server", "read_file", "read", "tokens", "token"])
    }

    @Test func documentScanMatchesQueryHashes() {
        let text = "func parseConfig(read_file: HTTPServer)"
        var hashes: [UInt64] = []
        let words = Array(text.utf8).withUnsafeBytes { Terms.scan($0) { hashes.append($0) } }
        #expect(words == 4)
        for term in ["parseconfig", "parse", "config", "read_file", "read", "file", "httpserver", "http", "server", "func"] {
            #expect(hashes.contains(Terms.hash(term)), "missing \(term)")
        }
    }

    @Test func estimatingCounterIsPlausible() {
        let counter = EstimatingTokenCounter()
        #expect(counter.countTokens("") == 0)
        #expect(counter.countTokens("hello") == 1)
        #expect(counter.countTokens("2026") == 4)
        #expect(counter.countTokens("let x = 1") == 4)
        #expect(counter.countTokens("    return") == 2)
        #expect(counter.countTokens("匠") == 1)
        // About 3-4 characters per token on ordinary code.
        let code = "func add(_ a: Int, _ b: Int) -> Int {\n    return a + b\n}\n"
        let ratio = Double(code.count) / Double(counter.countTokens(code))
        #expect(ratio > 2 && ratio < 6, "ratio \(ratio)")
    }

    /// The estimate against the real Qwen2.5 tokenizer (llama.cpp's token ids for 20 texts,
    /// copied from the shared golden outputs): on the whole set it must not undercount, and
    /// overcount by less than 30%.
    @Test func estimateAgainstRealTokenCounts() throws {
        struct Sample: Decodable { var text: String; var ids: [Int] }
        let url = ContextFixture.fixturesDirectory.appendingPathComponent("tokenizer-golden.jsonl")
        let samples = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(Sample.self, from: Data($0.utf8)) }
        let counter = EstimatingTokenCounter()
        let real = samples.reduce(0) { $0 + $1.ids.count }
        let estimated = samples.reduce(0) { $0 + counter.countTokens($1.text) }
        let ratio = Double(estimated) / Double(real)
        print(String(format: "token estimate vs Qwen2.5 tokenizer: %d estimated / %d real = %.2f over %d samples",
                     estimated, real, ratio, samples.count))
        #expect(samples.count >= 10)
        #expect(ratio >= 1.0 && ratio < 1.3, "ratio \(ratio)")
    }

    @Test func pathFilter() {
        let filter = ContextPathFilter()
        #expect(filter.accepts(path: "src/main.swift"))
        #expect(!filter.accepts(path: "node_modules/x/index.js"))
        #expect(!filter.accepts(path: "web/dist/app.js"))
        #expect(!filter.accepts(path: "assets/logo.PNG"))
        #expect(!filter.accepts(path: "package-lock.json"))
        #expect(!filter.accepts(path: "a/app.min.js"))
        #expect(!filter.accepts(path: "api/service.pb.go"))
    }
}
