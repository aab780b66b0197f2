#if canImport(Glibc)
import Glibc
#endif

/// The request lines and how their replies are checked, shared read-only by the workers.
struct Requests: Sendable {
    struct Template: Sendable {
        /// The line before `{n}` (all of it when there is none), and after it.
        var head: [UInt8]
        var tail: [UInt8]?
        var expected: [UInt8]
    }

    let templates: [Template]
    let proto: Options.Wire
    let sequenceStart: Int
    let sequenceCount: Int

    init(_ options: Options) {
        proto = options.proto
        sequenceStart = options.sequenceStart
        sequenceCount = options.sequenceCount
        templates = options.requests.enumerated().map { index, line in
            let head: Substring
            var tail: [UInt8]?
            if let range = line.range(of: "{n}") {
                head = line[..<range.lowerBound]
                tail = Array(line[range.upperBound...].utf8)
            } else {
                head = line[...]
            }
            return Template(
                head: Array(head.utf8), tail: tail,
                expected: options.proto == .echo ? [] : Array(options.expect(index).utf8))
        }
    }

    /// Request number `k` (counting from the run's sequence offset), without its newline.
    func line(_ k: Int) -> [UInt8] {
        let template = templates[k % templates.count]
        guard let tail = template.tail else { return template.head }
        return template.head + Array(String(sequenceStart + k % sequenceCount).utf8) + tail
    }

    /// Appends request `k` and its newline to `buffer`.
    func append(_ k: Int, to buffer: inout OutputBuffer) {
        let template = templates[k % templates.count]
        if let tail = template.tail {
            buffer.append(template.head)
            buffer.append(Array(String(sequenceStart + k % sequenceCount).utf8))
            buffer.append(tail)
        } else {
            buffer.append(template.head)
        }
        buffer.append(10)
    }

    /// Whether `reply` (a line, without its terminator) is the right answer to request `k`.
    func isRight(_ reply: UnsafeBufferPointer<UInt8>, for k: Int) -> Bool {
        let template = templates[k % templates.count]
        switch proto {
        case .echo:
            if template.tail == nil { return reply.elementsEqual(template.head) }
            return reply.elementsEqual(line(k))
        case .redis:
            return reply.elementsEqual(template.expected)
        case .dialgate:
            let expected = template.expected
            guard reply.count >= expected.count else { return false }
            guard reply.count == expected.count || reply[expected.count] == UInt8(ascii: " ") else { return false }
            return UnsafeBufferPointer(rebasing: reply[0..<expected.count]).elementsEqual(expected)
        }
    }
}

/// A growable byte buffer with a read position, over memory it owns (no copy-on-write checks
/// on the hot path).
struct OutputBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var start = 0
    var end = 0

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    var isEmpty: Bool { start == end }

    mutating func append(_ bytes: [UInt8]) {
        reserve(bytes.count)
        bytes.withUnsafeBufferPointer { source in
            (base + end).update(from: source.baseAddress!, count: source.count)
        }
        end += bytes.count
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[end] = byte
        end += 1
    }

    private mutating func reserve(_ more: Int) {
        if end + more <= capacity { return }
        if start > 0 {
            memmove(base, base + start, end - start)
            end -= start
            start = 0
            if end + more <= capacity { return }
        }
        let grown = Swift.max(capacity * 2, end + more)
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        fresh.update(from: base, count: end)
        base.deallocate()
        base = fresh
        capacity = grown
    }

    func free() {
        base.deallocate()
    }
}
