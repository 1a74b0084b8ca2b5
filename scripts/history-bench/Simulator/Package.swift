// swift-tools-version:6.1
// Writes a simulated history database with the main package's HistoryStore (an injected clock,
// retention as `record` applies it). Not part of the main package: scripts/bench/history.sh
// builds and runs it.
import PackageDescription

let package = Package(
    name: "HistoryBenchSimulator",
    dependencies: [.package(name: "tcpdoctor", path: "../../..")],
    targets: [
        .executableTarget(
            name: "HistoryBenchSimulator",
            dependencies: [
                .product(name: "TCPDoctorHistory", package: "tcpdoctor"),
                .product(name: "TCPDoctorCore", package: "tcpdoctor"),
            ]
        )
    ]
)
