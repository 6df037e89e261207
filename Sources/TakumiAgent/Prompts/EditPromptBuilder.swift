import Foundation

/// A file shown to the model: repository-relative path and its text.
public struct PromptFile: Equatable, Sendable {
    public var path: String
    public var text: String
    /// What the prompt calls it ("tests/test_x.py, lines 10-20"); the path when nil.
    public var label: String?
    public init(path: String, text: String, label: String? = nil) {
        self.path = path
        self.text = text
        self.label = label
    }
}

/// Renders the edit conversation from the templates in `Prompts/`:
/// `system` + `edit-<format>` as the first turn, then `malformed-answer` or `test-failure`
/// as the user's reply to a rejected answer.
public struct EditPromptBuilder: Sendable {
    public var library: PromptLibrary

    public init(library: PromptLibrary) { self.library = library }

    /// The first turn for a plan: whole files (`edit-whole-file`, `edit-search-replace`) or
    /// regions with an outline (`edit-regions`), the failing tests' excerpts for reference, and
    /// the failing run's first failure.
    public func initialMessages(plan: EditPlan) throws -> [ChatMessage] {
        let references = plan.references.map {
            PromptFile(path: $0.path, text: $0.text, label: "\($0.path), lines \($0.startLine)-\($0.endLine)")
        }
        if plan.targets.allSatisfy(\.isWhole) {
            return try initialMessages(instruction: plan.instruction,
                                       files: plan.targets.map { PromptFile(path: $0.path, text: $0.text) },
                                       context: references, format: plan.format, failure: plan.failureExcerpt)
        }
        let japanese = EditPromptBuilder.isJapanese(plan.instruction)
        let system = try library.render("system", ["japanese": japanese])
        let first = plan.targets[0]
        func shortName(_ qualified: String) -> String { qualified.split(separator: ".").last.map(String.init) ?? qualified }
        let names = plan.targets.flatMap { ($0.regions ?? []).flatMap(\.definitions) }.map(shortName)
        // Stubs are shown without their `raise NotImplementedError` (see `shownText`).
        let stubs = plan.targets.flatMap { target in
            (target.regions ?? []).filter { EditPromptBuilder.isStub($0, path: target.path) }.flatMap(\.definitions)
        }.map(shortName)
        let user = try library.render("edit-regions", [
            "stubs": plan.format == .regions && !stubs.isEmpty ? stubs.joined(separator: ", ") as Any : false,
            "instruction": plan.instruction.trimmingCharacters(in: .whitespacesAndNewlines),
            "targets": plan.targets.map { target -> [String: Any] in
                let language = EditPromptBuilder.language(for: target.path)
                return [
                    "path": target.path, "lineCount": String(target.lineCount),
                    "hasOutline": !target.outline.isEmpty, "outline": target.outline.joined(separator: "\n"),
                    "regions": (target.regions ?? []).map { region -> [String: Any] in
                        let text = EditPromptBuilder.shownText(region, path: target.path, format: plan.format)
                        return ["path": target.path, "start": String(region.startLine), "end": String(region.endLine),
                                "text": text, "fence": EditPromptBuilder.fence(for: text), "language": language]
                    },
                ]
            },
            "context": references.map(EditPromptBuilder.fileValues),
            "hasContext": !references.isEmpty,
            "failure": plan.failureExcerpt.map { $0 as Any } ?? false,
            "searchReplace": plan.format == .searchReplace,
            "names": names.joined(separator: ", "),
            "language": EditPromptBuilder.language(for: first.path),
            "example": ["path": first.path, "language": EditPromptBuilder.language(for: first.path)],
            "japanese": japanese,
        ])
        return [.system(trimmed(system)), .user(trimmed(user))]
    }

    public func initialMessages(instruction: String, files: [PromptFile], context: [PromptFile] = [],
                                format: EditFormat, failure: String? = nil) throws -> [ChatMessage] {
        let japanese = EditPromptBuilder.isJapanese(instruction)
        let system = try library.render("system", ["japanese": japanese])
        let user = try library.render(format.templateName, [
            "instruction": instruction.trimmingCharacters(in: .whitespacesAndNewlines),
            "files": files.map(EditPromptBuilder.fileValues),
            "context": context.map(EditPromptBuilder.fileValues),
            "hasContext": !context.isEmpty,
            // One file: "Reply with the complete new calc.py" (0.5B models do best without a
            // format example then; they tend to copy the example).
            "single": files.count == 1 ? ["path": files[0].path] : false,
            // The format example names the first real file (a made-up example file gets copied
            // verbatim by small models).
            "example": files.first.map { ["path": $0.path, "language": EditPromptBuilder.language(for: $0.path)] } ?? [:],
            "japanese": japanese,
            "failure": failure.map { $0 as Any } ?? false,
        ])
        return [.system(trimmed(system)), .user(trimmed(user))]
    }

    /// Feedback for an answer that could not be parsed or matched, quoting the real lines.
    public func answerErrorFeedback(_ error: AgentError, instruction: String = "") throws -> String {
        var values: [String: Any] = ["error": error.description, "instruction": instruction,
                                     "unchanged": error == .answerChangesNothing]
        switch error {
        case let .searchNotFound(path, search, hint):
            values["path"] = path
            values["search"] = search.isEmpty ? "" : search + "\n"
            if !hint.isEmpty { values["quote"] = hint }
        case let .searchAmbiguous(path, search, _):
            values["path"] = path
            values["search"] = search + "\n"
            values["error"] = error.description + "; add lines around it so the SEARCH matches only one place"
        default:
            break
        }
        return trimmed(try library.render("malformed-answer", values))
    }

    /// Feedback for a candidate whose tests failed.
    public func testFailureFeedback(command: String, exitCode: Int32, timedOut: Bool, timeLimit: Double,
                                    outputTail: String, diff: String) throws -> String {
        trimmed(try library.render("test-failure", [
            "command": command,
            "exitCode": String(exitCode),
            "timedOut": timedOut,
            "timeLimit": String(Int(timeLimit)),
            "outputTail": outputTail.trimmingCharacters(in: .newlines),
            "diff": diff,
        ]))
    }

    private func trimmed(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// A Python region whose body raises NotImplementedError: a function still to be written.
    static func isStub(_ region: ShownRegion, path: String) -> Bool {
        CodeStructure.family(forPath: path) == .python && region.text.contains("raise NotImplementedError")
    }

    /// A region as the prompt shows it. Whole Python definitions answered as definitions lose
    /// their doctest examples (`DocstringExamples`: a small model edits the example instead of
    /// the code). A stub keeps them (they are its specification) but not its
    /// `raise NotImplementedError`, which small models copy back instead of writing a body.
    /// SEARCH/REPLACE regions are shown exactly, since SEARCH parts must be copied from them.
    static func shownText(_ region: ShownRegion, path: String, format: EditFormat) -> String {
        guard format == .regions, !region.definitions.isEmpty, CodeStructure.family(forPath: path) == .python else {
            return region.text
        }
        let lines = region.text.components(separatedBy: "\n")
        if isStub(region, path: path) {
            return lines.filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("raise NotImplementedError") }
                .joined(separator: "\n")
        }
        return DocstringExamples.removed(from: lines).joined(separator: "\n")
    }

    static func fileValues(_ file: PromptFile) -> [String: Any] {
        var content = file.text.replacingOccurrences(of: "\r\n", with: "\n")
        if !content.isEmpty && !content.hasSuffix("\n") { content += "\n" }
        return ["path": file.label ?? file.path, "content": content, "fence": fence(for: content),
                "language": language(for: file.path)]
    }

    /// A backtick fence longer than any backtick run that starts a line of `content`.
    static func fence(for content: String) -> String {
        var longest = 0
        for line in content.split(separator: "\n", omittingEmptySubsequences: false) {
            let run = line.drop(while: { $0 == " " }).prefix(while: { $0 == "`" }).count
            longest = max(longest, run)
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }

    static func language(for path: String) -> String {
        let ext = (path as NSString).pathExtension.lowercased()
        let table: [String: String] = [
            "py": "python", "js": "javascript", "mjs": "javascript", "cjs": "javascript", "ts": "typescript",
            "go": "go", "rs": "rust", "swift": "swift", "c": "c", "h": "c", "cc": "cpp", "cpp": "cpp",
            "hpp": "cpp", "java": "java", "kt": "kotlin", "rb": "ruby", "sh": "sh", "md": "markdown",
            "json": "json", "toml": "toml", "yml": "yaml", "yaml": "yaml", "html": "html", "css": "css",
        ]
        if let known = table[ext] { return known }
        if (path as NSString).lastPathComponent == "Makefile" { return "makefile" }
        return ext
    }

    /// True when the text has kana or CJK ideographs (the explanation then stays Japanese).
    public static func isJapanese(_ text: String) -> Bool {
        text.unicodeScalars.contains { s in
            (0x3040...0x30FF).contains(s.value) || (0x4E00...0x9FFF).contains(s.value) || (0xFF66...0xFF9F).contains(s.value)
        }
    }
}
