import Foundation

/// Languages the symbol scanner understands, by file extension.
public enum SourceLanguage: String, Sendable, Codable, CaseIterable {
    case swift, python, c, cpp, go, rust, javascript, typescript, java

    public init?(path: String) {
        let ext = (path as NSString).pathExtension.lowercased()
        switch ext {
        case "swift": self = .swift
        case "py", "pyi": self = .python
        case "c", "h": self = .c
        case "cc", "cpp", "cxx", "hpp", "hh", "hxx", "m", "mm": self = .cpp
        case "go": self = .go
        case "rs": self = .rust
        case "js", "jsx", "mjs", "cjs": self = .javascript
        case "ts", "tsx", "mts", "cts": self = .typescript
        case "java", "kt": self = .java
        default: return nil
        }
    }
}
