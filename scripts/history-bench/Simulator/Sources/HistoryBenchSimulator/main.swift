import Foundation
import TCPDoctorCore
import TCPDoctorHistory

// A host as `record` would see it, sample by sample, on a simulated clock:
//
// - `--processes` processes (default 500), each with a listening port and one peer group;
// - a tenth of them busy: their ESTABLISHED counts (and fds) move every sample by -3...+3,
//   and each has a TIME_WAIT pile that moves as well;
// - five leak one CLOSE_WAIT socket a minute and are restarted every six hours (a new start
//   time: pid reuse, a new process in the history), with a finding each sample;
// - the rest hold still, as most daemons do;
// - kernel counters that grow every sample.
//
// Retention runs every ten simulated minutes, as `record` runs it. Prints one JSON object.
// `--migrate PATH` instead migrates a database of an older schema in place and says how long it took.

struct Options {
    var days = 30.0
    var processes = 500
    var interval = 10.0
    var database = "/tmp/tcpdoctor-history-bench.sqlite"
    /// A database of an older schema to migrate in place instead (`--migrate PATH`).
    var migrate: String?

    init(_ arguments: [String]) {
        var words = arguments.dropFirst().makeIterator()
        while let word = words.next() {
            guard let value = words.next() else { fatalError("\(word) needs a value") }
            switch word {
            case "--days": days = Double(value)!
            case "--processes": processes = Int(value)!
            case "--interval": interval = Double(value)!
            case "--db": database = value
            case "--migrate": migrate = value
            default: fatalError("unknown option \(word)")
            }
        }
    }
}

/// SplitMix64: the same simulated host on every run.
struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func step() -> Int64 { Int64(next() % 7) - 3 }
}

struct SimulatedProcess {
    var key: SampleAggregate.ProcessKey
    var command: String
    var port: UInt16
    var peer: IPAddress
    var established: Int64
    var timeWait: Int64
    var closeWait: Int64 = 0
    var busy: Bool
    var leaks: Bool
    var baseFDs: Int64
}

let options = Options(CommandLine.arguments)
if let path = options.migrate {
    // Opening a store migrates it; retention is not applied (its clock would be today's).
    let began = Date()
    let store = try HistoryStore(path: path, now: { Date().timeIntervalSince1970 })
    let seconds = Date().timeIntervalSince(began)
    print(
        """
        {"migrated": "\(path)", "migrate_seconds": \(String(format: "%.1f", seconds)), \
        "file_bytes": \(store.fileBytes), "used_bytes": \(try store.usedBytes())}
        """
    )
    exit(0)
}
for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: options.database + suffix) }
let start = 1_765_000_000.0
var clock = start
nonisolated(unsafe) var now = start
let store = try HistoryStore(path: options.database, now: { now })
var random = Random(state: 42)
var processes = (0..<options.processes).map { (index: Int) -> SimulatedProcess in
    SimulatedProcess(
        key: .init(pid: Int32(1000 + index), startTime: 100),
        command: "svc-\(index % 60)",
        port: UInt16(8000 + index),
        peer: IPAddress(ipv4: UInt32(0x0A00_0000) | UInt32(index % 40)),
        established: Int64(index % 9),
        timeWait: 0,
        busy: index % 10 == 0,
        leaks: index % 100 == 7,
        baseFDs: Int64(20 + index % 30)
    )
}
var counters: [String: Int64] = Dictionary(uniqueKeysWithValues: SampleAggregate.keptCounters.map { ($0, 0) })
let samples = Int(options.days * 86400 / options.interval)
let began = Date()
var lastRetention = clock
for number in 0..<samples {
    var aggregate = SampleAggregate()
    var host = StateCounts()
    for index in processes.indices {
        if processes[index].busy {
            processes[index].established = max(0, processes[index].established + random.step())
            processes[index].timeWait = max(0, processes[index].timeWait + random.step())
        }
        if processes[index].leaks {
            if number % Int(6 * 3600 / options.interval) == 0 && number > 0 {
                processes[index].key.startTime! += 1
                processes[index].closeWait = 0
            } else if number % max(1, Int(60 / options.interval)) == 0 {
                processes[index].closeWait += 1
            }
        }
        let process = processes[index]
        var listener = StateCounts()
        listener.values[StateCounts.index(of: .listen)!] = 1
        listener.values[StateCounts.index(of: .established)!] = process.established
        listener.values[StateCounts.index(of: .closeWait)!] = process.closeWait
        listener.values[StateCounts.recvQIndex] = process.closeWait
        var outbound = StateCounts()
        outbound.values[StateCounts.index(of: .established)!] = 1
        outbound.values[StateCounts.index(of: .timeWait)!] = process.timeWait
        aggregate.groups[.init(netns: 1, process: process.key, place: .localPort(process.port))] = listener
        aggregate.groups[.init(netns: 1, process: process.key, place: .peer(process.peer))] = outbound
        let fds: Int64 = process.baseFDs + process.established + process.closeWait + 2
        aggregate.processes[process.key] = .init(
            key: process.key,
            command: process.command,
            argvHash: UInt64(index),
            openFiles: fds,
            fileLimitSoft: 1024,
            fileLimitHard: 4096
        )
        if process.leaks && process.closeWait > 5 {
            aggregate.findings.append(
                .init(
                    rule: "close-wait-leak",
                    severity: .warning,
                    subject: "close-wait-leak/\(process.key.pid)",
                    pid: process.key.pid,
                    place: String(process.port),
                    netns: 1,
                    size: process.closeWait
                )
            )
        }
        for column in host.values.indices { host.values[column] += listener.values[column] + outbound.values[column] }
    }
    for name in counters.keys { counters[name]! += Int64(random.next() % 20) }
    aggregate.namespaces[1] = .init(netns: 1, counts: host, counters: counters)
    aggregate.sockets = host.total
    try store.append(aggregate, at: clock)
    clock += options.interval
    now = clock
    if clock - lastRetention >= 600 {
        try store.applyRetention()
        lastRetention = clock
    }
}
try store.applyRetention()
let seconds = Date().timeIntervalSince(began)
let counts = try store.sampleCounts()
let used = try store.usedBytes()
print(
    """
    {"days": \(options.days), "processes": \(options.processes), "interval": \(options.interval), \
    "samples_written": \(samples), "samples_kept": \(counts.values.reduce(0, +)), \
    "levels": {\(counts.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", "))}, \
    "file_bytes": \(store.fileBytes), "used_bytes": \(used), "write_seconds": \(String(format: "%.1f", seconds)), \
    "database": "\(options.database)"}
    """
)
