// swift-tools-version:6.1
// Writes the benchmark captures with the main package's SegmentCaptureWriter. Not part of the
// main package: scripts/capture-bench/run.sh builds and runs it.
import PackageDescription

let package = Package(
    name: "CaptureBenchGenerator",
    dependencies: [.package(name: "tcpdoctor", path: "../../..")],
    targets: [
        .executableTarget(
            name: "CaptureBenchGenerator",
            dependencies: [
                .product(name: "TCPDoctorCapture", package: "tcpdoctor"),
                .product(name: "TCPDoctorCaptureWriters", package: "tcpdoctor"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        )
    ]
)
