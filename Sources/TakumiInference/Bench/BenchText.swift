/// Real source text for `takumi bench`'s prefill (code, as the agent's prompts are), repeated
/// as needed to reach the requested token count.
enum BenchText {
    static let source = #"""
    import Foundation

    /// A least-recently-used cache with a fixed capacity. Lookups and insertions are O(1):
    /// a dictionary maps keys to nodes of a doubly linked list ordered by recency.
    public final class LRUCache<Key: Hashable, Value> {
        private final class Node {
            let key: Key
            var value: Value
            var previous: Node?
            var next: Node?
            init(key: Key, value: Value) {
                self.key = key
                self.value = value
            }
        }

        public let capacity: Int
        private var nodes: [Key: Node] = [:]
        private var head: Node?
        private var tail: Node?

        public init(capacity: Int) {
            precondition(capacity > 0, "capacity must be positive")
            self.capacity = capacity
        }

        public var count: Int { nodes.count }

        public func value(forKey key: Key) -> Value? {
            guard let node = nodes[key] else { return nil }
            moveToFront(node)
            return node.value
        }

        public func setValue(_ value: Value, forKey key: Key) {
            if let node = nodes[key] {
                node.value = value
                moveToFront(node)
                return
            }
            let node = Node(key: key, value: value)
            nodes[key] = node
            insertAtFront(node)
            if nodes.count > capacity, let last = tail {
                remove(last)
                nodes[last.key] = nil
            }
        }

        private func insertAtFront(_ node: Node) {
            node.next = head
            node.previous = nil
            head?.previous = node
            head = node
            if tail == nil { tail = node }
        }

        private func remove(_ node: Node) {
            node.previous?.next = node.next
            node.next?.previous = node.previous
            if head === node { head = node.next }
            if tail === node { tail = node.previous }
            node.previous = nil
            node.next = nil
        }

        private func moveToFront(_ node: Node) {
            guard head !== node else { return }
            remove(node)
            insertAtFront(node)
        }
    }

    def parse_config(path):
        """Read a simple KEY=VALUE file, ignoring comments and blank lines."""
        config = {}
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                if "=" not in line:
                    raise ValueError(f"{path}:{number}: expected KEY=VALUE, got {line!r}")
                key, value = line.split("=", 1)
                config[key.strip()] = value.strip()
        return config

    static int compare_entries(const void *a, const void *b) {
        const struct entry *x = a, *y = b;
        if (x->score != y->score) return x->score < y->score ? 1 : -1;
        return strcmp(x->name, y->name);
    }

    """#
}
