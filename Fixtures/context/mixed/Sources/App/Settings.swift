import Foundation

/// User preferences stored as JSON in the application support directory.
public final class SettingsStore {
    public struct Settings: Codable, Equatable {
        public var theme = "light"
        public var fontSize = 13
    }

    private let url: URL
    public private(set) var settings = Settings()

    public init(url: URL) {
        self.url = url
    }

    public func load() throws {
        let data = try Data(contentsOf: url)
        settings = try JSONDecoder().decode(Settings.self, from: data)
    }

    public func save() throws {
        let data = try JSONEncoder().encode(settings)
        try data.write(to: url)
    }

    public func update(_ change: (inout Settings) -> Void) throws {
        change(&settings)
        try save()
    }
}
