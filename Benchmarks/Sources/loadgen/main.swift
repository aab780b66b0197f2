// loadgen: N connections × P requests in flight over a Unix socket, every reply checked,
// latency per request into an HdrHistogram, one machine-readable line per run (Options.usage).

import Foundation
import Histogram

#if canImport(Glibc)
import Glibc
#endif

func standardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

func connect(to path: String) throws(UsageError) -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw UsageError("socket: errno \(errno)") }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard bytes.count < capacity else { throw UsageError("socket path too long: \(path)") }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
    }
    guard result == 0 else {
        let code = errno
        close(fd)
        throw UsageError("connect \(path): \(String(cString: strerror(code)))")
    }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    return fd
}

func microseconds(_ nanoseconds: UInt64) -> String {
    String(format: "%.1f", Double(nanoseconds) / 1000)
}

func main() -> Int32 {
    signal(SIGPIPE, SIG_IGN)
    let options: Options
    do {
        options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
    } catch {
        if let message = error.message { standardError("loadgen: \(message)") }
        standardError(Options.usage)
        return error.message == nil ? 0 : 2
    }
    let requests = Requests(options)
    // Connect everything first: the clock starts once every connection is up.
    var perThread: [[Connection]] = Array(repeating: [], count: options.threads)
    do {
        for c in 0..<options.connections {
            let quota: Int
            if options.total > 0 {
                quota = options.total / options.connections + (c < options.total % options.connections ? 1 : 0)
            } else {
                quota = Int.max
            }
            let thread = c % options.threads
            perThread[thread].append(
                Connection(fd: try connect(to: options.socket), index: perThread[thread].count, depth: options.depth, quota: quota))
        }
    } catch {
        standardError("loadgen: \(error.message ?? "cannot connect")")
        return 2
    }
    let start = monotonicNanoseconds()
    let deadline = options.duration > 0 ? start + UInt64(options.duration * 1e9) : nil
    let workers = perThread.enumerated().map { index, connections in
        Worker(
            connections: connections, requests: requests, options: options, deadline: deadline,
            firstSequence: options.sequenceOffset + index, stride: options.threads)
    }
    if workers.count == 1 {
        workers[0].run()
    } else {
        let done = DispatchGroup()
        for worker in workers {
            done.enter()
            let thread = Thread {
                worker.run()
                done.leave()
            }
            thread.start()
        }
        done.wait()
    }
    let seconds = Double(monotonicNanoseconds() - start) / 1e9
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let clientCPU = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
    var tally = Tally()
    for worker in workers { tally.add(worker.tally) }
    for sample in tally.wrongSamples { standardError("loadgen: wrong answer: \(sample)") }
    if let failure = tally.failure { standardError("loadgen: \(failure)") }

    let answered = tally.right + tally.wrong
    let histogram = tally.histogram
    var fields: [(String, String)] = [
        ("label", options.label), ("protocol", options.proto.rawValue),
        ("connections", String(options.connections)), ("depth", String(options.depth)),
        ("threads", String(options.threads)),
        ("requests", String(answered)), ("wrong", String(tally.wrong)), ("lost", String(tally.lost)),
        ("seconds", String(format: "%.3f", seconds)),
        ("rps", String(format: "%.0f", Double(answered) / seconds)),
        ("p50_us", microseconds(histogram.valueAtPercentile(50))),
        ("p90_us", microseconds(histogram.valueAtPercentile(90))),
        ("p99_us", microseconds(histogram.valueAtPercentile(99))),
        ("p999_us", microseconds(histogram.valueAtPercentile(99.9))),
        ("max_us", microseconds(histogram.max)),
        ("mean_us", String(format: "%.1f", histogram.mean / 1000)),
        // The load generator's own CPU (its whole process, connecting included) per answer.
        ("client_cpu_us", String(format: "%.2f", answered > 0 ? clientCPU / Double(answered) : 0)),
    ]
    if tally.lastSequence >= 0 { fields.append(("sequence_end", String(tally.lastSequence + 1))) }
    fields.append(("ok", tally.wrong == 0 && tally.lost == 0 && tally.failure == nil ? "1" : "0"))
    print("loadgen " + fields.map { "\($0.0)=\($0.1)" }.joined(separator: " "))

    if let file = options.percentilesFile {
        // The classic HdrHistogram plot: latency against 1/(1-percentile), so the tail spreads out.
        var text = "# label=\(options.label) connections=\(options.connections) depth=\(options.depth)\n"
        text += "# latency_us percentile one_over_one_minus_p\n"
        for value in histogram.percentiles(ticksPerHalfDistance: 5) {
            let fraction = value.percentileLevelIteratedTo / 100
            guard fraction < 1 else { break }
            text += String(format: "%.3f %.6f %.3f\n", Double(value.value) / 1000, fraction * 100, 1 / (1 - fraction))
        }
        do {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        } catch {
            standardError("loadgen: cannot write \(file): \(error)")
            return 2
        }
    }
    return tally.wrong == 0 && tally.lost == 0 && tally.failure == nil && answered > 0 ? 0 : 1
}

exit(main())
