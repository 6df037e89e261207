import Foundation

/// A time limit for a generation, enforced through the generator's event callback: once the
/// limit has passed, the next event answers `.stop`, and the result comes back `.cancelled`.
public struct GenerationDeadline: Sendable {
    public let seconds: Double
    private let startNanoseconds: UInt64

    /// A deadline `seconds` after `start` (now by default; a hook passes its own start time so
    /// model loading counts too).
    public init(seconds: Double, start: DispatchTime = .now()) {
        self.seconds = seconds
        self.startNanoseconds = start.uptimeNanoseconds
    }

    public var elapsed: Double {
        Double(DispatchTime.now().uptimeNanoseconds &- startNanoseconds) / 1e9
    }

    public var hasPassed: Bool { elapsed >= seconds }

    public func control() -> GenerationControl { hasPassed ? .stop : .continue }
}
