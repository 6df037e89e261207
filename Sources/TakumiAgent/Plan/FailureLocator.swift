import Foundation

/// A place in the repository that a failing test run points at.
public struct FailureLocation: Equatable, Sendable, Codable {
    /// Repository-relative path.
    public var path: String
    /// 1-based line.
    public var line: Int
    /// The function the runner named for the frame, when it did.
    public var function: String?
}

/// Reads a test run's output for the repository files and lines it points at: Python
/// tracebacks (`File "…/x.py", line 12, in f`) and pytest's short form (`x.py:12: in f`),
/// Node stack frames (`at f (/…/x.js:12:5)`), Rust and Go panics and test failures
/// (`src/lib.rs:12:5`, `x_test.go:12:`), and compiler-style `path:line:` messages.
///
/// Paths printed by the runner are absolute paths in the isolated copy or relative to it;
/// they are matched to tracked files by their longest repository-relative suffix, so the
/// temporary copy's location never matters. Frames outside the repository (the standard
/// library, site-packages) are dropped.
public struct FailureLocator: Sendable {
    /// Repository-relative paths of the files that can be pointed at.
    public let files: Set<String>
    private let byName: [String: [String]]

    public init(files: [String]) {
        self.files = Set(files)
        var byName: [String: [String]] = [:]
        for path in files { byName[(path as NSString).lastPathComponent, default: []].append(path) }
        self.byName = byName
    }

    private static let patterns: [NSRegularExpression] = [
        // Python traceback frame.
        #"File "([^"]+)", line ([0-9]+)(?:, in ([A-Za-z_][A-Za-z0-9_<>]*))?"#,
        // pytest short traceback / location lines: "pkg/mod.py:123: in func" or "pkg/mod.py:123: Error".
        #"(?:^|\s)([^\s:"'()]+\.[A-Za-z0-9]+):([0-9]+):(?: in ([A-Za-z_][A-Za-z0-9_<>]*))?"#,
        // Node: "at func (/path/file.js:12:5)" or "at /path/file.js:12:5".
        #"at (?:([A-Za-z_$][A-Za-z0-9_$.<>]*) )?\(?([^\s()]+\.[cm]?[jt]sx?):([0-9]+):[0-9]+\)?"#,
    ].compactMap { try? NSRegularExpression(pattern: $0, options: [.anchorsMatchLines]) }

    /// Locations in the order the output shows them, duplicates removed.
    public func locations(in output: String) -> [FailureLocation] {
        var result: [FailureLocation] = []
        var seen = Set<String>()
        let range = NSRange(output.startIndex..., in: output)
        var found: [(offset: Int, location: FailureLocation)] = []
        for (index, pattern) in FailureLocator.patterns.enumerated() {
            for match in pattern.matches(in: output, range: range) {
                func group(_ i: Int) -> String? {
                    guard let r = Range(match.range(at: i), in: output) else { return nil }
                    return String(output[r])
                }
                let (pathGroup, lineGroup, functionGroup) = index == 2 ? (2, 3, 1) : (1, 2, 3)
                guard let rawPath = group(pathGroup), let line = group(lineGroup).flatMap(Int.init),
                      let path = repositoryPath(rawPath), !FailureLocator.isWarning(after: match.range, in: output) else { continue }
                found.append((match.range.location, FailureLocation(path: path, line: line, function: group(functionGroup))))
            }
        }
        for item in found.sorted(by: { $0.offset < $1.offset }) {
            let key = "\(item.location.path):\(item.location.line)"
            if seen.insert(key).inserted { result.append(item.location) }
        }
        return result
    }

    /// Whether a `path:line:` match is followed by a warning's category
    /// (`mod.py:12: DeprecationWarning: …`, as Python and pytest's warnings summary print
    /// them): a warning points at code that works, not at the failure.
    static func isWarning(after range: NSRange, in output: String) -> Bool {
        guard let end = Range(NSRange(location: range.location + range.length, length: 0), in: output)?.lowerBound else { return false }
        let rest = output[end...].prefix(120).drop { $0 == " " }
        let word = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
        return word.hasSuffix("Warning") && rest.dropFirst(word.count).hasPrefix(":")
    }

    /// The tracked file a printed path names: exact, else the longest suffix match
    /// ("/tmp/takumi-x/src/pkg/mod.py" → "src/pkg/mod.py").
    func repositoryPath(_ printed: String) -> String? {
        var path = printed
        while path.hasPrefix("./") { path.removeFirst(2) }
        if files.contains(path) { return path }
        let name = (path as NSString).lastPathComponent
        guard let candidates = byName[name] else { return nil }
        let matching = candidates.filter { path.hasSuffix("/" + $0) || path == $0 }
        return matching.max { $0.count < $1.count }
    }
}
