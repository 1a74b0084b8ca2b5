// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "tcpdoctor",
    products: [
        .executable(name: "tcpdoctor", targets: ["tcpdoctor"]),
        .library(name: "TCPDoctorCore", targets: ["TCPDoctorCore"]),
        .library(name: "TCPDoctorLinux", targets: ["TCPDoctorLinux"]),
        .library(name: "TCPDoctorCapture", targets: ["TCPDoctorCapture"]),
        .library(name: "TCPDoctorLab", targets: ["TCPDoctorLab"]),
        .library(name: "TCPDoctorHistory", targets: ["TCPDoctorHistory"]),
        // Test tooling, not shipped in the tcpdoctor binary: a product only so that the benchmark
        // generator (scripts/capture-bench/Generator), a package of its own, can write captures.
        .library(name: "TCPDoctorCaptureWriters", targets: ["TCPDoctorCaptureWriters"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // `serve`: HTTP. Without the default traits: serve reads no swift-configuration and needs
        // none of the Foundation-only helpers.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Already in the graph through Hummingbird; named here because serve uses them directly:
        // NIOCore's IOError tells a port in use from other bind failures, Logging sends
        // Hummingbird's log to standard error.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.14.0"),
        // NIOHTTPTypes: the request parts a channel handler sees, to refuse request bodies
        // before the router drains them.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // Kernel headers for netlink and inet_diag, and inline wrappers for their macros. No logic.
        .target(name: "CSockDiag"),
        // A prefetch hint for the capture analysis's hot loops. No logic.
        .target(name: "CPrefetch"),
        // ptrace for `free-fds`: the variadic call, the wait macros, each architecture's registers. No logic.
        .target(name: "CPtrace"),
        // Pure values and rules. Nothing platform-specific.
        .target(name: "TCPDoctorCore"),
        // The one system-call layer: every raw libc call of Linux, Capture and Lab, errno as swift-system's
        // Errno, EINTR retried in one helper, close never retried. Not a product. CSockDiag for the calls
        // Swift cannot import (setns, prctl, pidfd_*, getdents64) and the kernel's tcp_info.
        .target(
            name: "TCPDoctorSystem",
            dependencies: ["CSockDiag", "CPtrace", .product(name: "SystemPackage", package: "swift-system")]
        ),
        // Reads the kernel: netlink sock_diag, /proc, namespaces. Builds a Snapshot.
        .target(
            name: "TCPDoctorLinux",
            dependencies: [
                "TCPDoctorCore", "CSockDiag", "TCPDoctorSystem",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // pcap / pcapng readers, packet decoders and connection analysis.
        .target(
            name: "TCPDoctorCapture",
            dependencies: [
                "TCPDoctorCore", "CPrefetch", "TCPDoctorSystem",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // pcap / pcapng writers and a packet builder: exact captures for tests, fuzz seeds and
        // benchmarks. No shipped target depends on it, so the release binary holds none of it.
        .target(
            name: "TCPDoctorCaptureWriters",
            dependencies: [
                "TCPDoctorCapture", "TCPDoctorCore", "TCPDoctorSystem",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // Reproducible failures: real processes and sockets on loopback or in a namespace of their own.
        .target(
            name: "TCPDoctorLab",
            dependencies: [
                "TCPDoctorCore", "TCPDoctorSystem",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The SQLite store of `record` (GRDB): its migrations, retention and queries. It stores and
        // queries; it reads nothing of the platform.
        .target(
            name: "TCPDoctorHistory",
            dependencies: ["TCPDoctorCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The output buffer, the streaming JSON writer and the JSON documents that both the
        // commands and `serve` write (sockets, states, doctor). No platform reading.
        .target(name: "TCPDoctorOutput", dependencies: ["TCPDoctorCore", "TCPDoctorHistory"]),
        // `serve`: the HTTP routes (Hummingbird), the metric families and their exposition, the
        // snapshot cache over the one sampling loop (Linux's `Sampler`).
        .target(
            name: "TCPDoctorServe",
            dependencies: [
                "TCPDoctorCore", "TCPDoctorLinux", "TCPDoctorHistory", "TCPDoctorOutput", "TCPDoctorSystem",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Argument parsing and rendering; no business logic.
        .target(
            name: "TCPDoctorCommands",
            dependencies: [
                "TCPDoctorCore", "TCPDoctorLinux", "TCPDoctorCapture", "TCPDoctorLab", "TCPDoctorHistory",
                "TCPDoctorOutput", "TCPDoctorServe",
                // `watch`'s terminal (Terminal.swift) and the clocks of its loop.
                "TCPDoctorSystem", .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "tcpdoctor", dependencies: ["TCPDoctorCommands"]),
        // Real sockets, processes and namespaces for the tests. Not a product.
        .target(name: "TCPDoctorTestSupport"),

        .testTarget(name: "TCPDoctorCoreTests", dependencies: ["TCPDoctorCore"]),
        .testTarget(
            name: "TCPDoctorSystemTests",
            dependencies: ["TCPDoctorSystem", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .testTarget(
            name: "TCPDoctorLinuxTests",
            dependencies: ["TCPDoctorLinux", "TCPDoctorCore", "CSockDiag", "TCPDoctorTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TCPDoctorCaptureTests",
            dependencies: ["TCPDoctorCapture", "TCPDoctorCaptureWriters", "TCPDoctorCore", "TCPDoctorTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TCPDoctorLabTests",
            dependencies: ["TCPDoctorLab", "TCPDoctorCore", "TCPDoctorLinux", "TCPDoctorTestSupport"]
        ),
        .testTarget(
            name: "TCPDoctorHistoryTests",
            dependencies: ["TCPDoctorHistory", "TCPDoctorCore", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TCPDoctorServeTests",
            dependencies: [
                "TCPDoctorServe", "TCPDoctorCore", "TCPDoctorLinux", "TCPDoctorTestSupport", "TCPDoctorOutput",
            ]
        ),
        .testTarget(
            name: "TCPDoctorCommandsTests",
            dependencies: [
                "TCPDoctorCommands", "TCPDoctorCore", "TCPDoctorLinux", "TCPDoctorCapture", "TCPDoctorLab",
                "TCPDoctorCaptureWriters", "TCPDoctorTestSupport", "TCPDoctorHistory", "TCPDoctorOutput",
                .product(name: "GRDB", package: "GRDB.swift"),
                // posix_spawn with every inherited fd closed, for tmux (Watch/TmuxSession.swift).
                "TCPDoctorSystem",
            ]
        ),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
