import Foundation
import TCPDoctorCapture
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

/// A connection inside a tunnel is reported with its inner addresses and names the tunnel, in
/// JSON and in the connection table.
struct CaptureTunnelTests {
    /// A whole connection, each packet in VXLAN (udp/4789) between 192.0.2.1 and 192.0.2.2.
    static func vxlanCapture(in directory: ScratchDirectory) throws -> String {
        var c = ScenarioCapture(client: .test("10.0.0.5", 43_210), server: .test("10.0.0.9", 80))
        c.handshake(at: 0)
        c.exchange(at: 0.01)
        c.send(.client, CloseScenario.finACK, at: 0.02)
        c.send(.server, CloseScenario.finACK, at: 0.021)
        c.send(.client, .ack, at: 0.022)
        let path = directory.file("vxlan.pcap")
        let writer = try PCAPWriter(path: path, linkType: .ethernet)
        let inner = PacketBuilder(linkType: .ethernet)
        for segment in c.segments {
            let frame = inner.frame(for: segment)
            let vxlan: [UInt8] = [0x08, 0, 0, 0, 0, 0, 42, 0] + frame
            let udp: [UInt8] = [0xc3, 0x50, 0x12, 0xb5] + be16(8 + vxlan.count) + [0, 0] + vxlan
            let ip: [UInt8] =
                [0x45, 0] + be16(20 + udp.count) + [0, 0, 0x40, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2] + udp
            let outer: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00] + ip
            try writer.write(outer, timestampNanoseconds: segment.timestampNanoseconds)
        }
        try writer.finish()
        return path
    }

    static func be16(_ value: Int) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }

    @Test func jsonAndTableNameTheTunnel() throws {
        let directory = try ScratchDirectory()
        let path = try Self.vxlanCapture(in: directory)
        let run = try runTCPDoctor(["capture", "--json", path])
        #expect(run.status == 0, "\(run.stderr)")
        let document = try run.json()
        let connections = try #require(document["connections"] as? [[String: Any]])
        try #require(connections.count == 1, "\(connections)")
        #expect(connections[0]["tunnel"] as? String == "vxlan")
        #expect(connections[0]["conn_state"] as? String == "SF")
        #expect(connections[0]["zeek_originator"] as? String == "originator")
        let originator = try #require(connections[0]["originator"] as? [String: Any])
        #expect(originator["address"] as? String == "10.0.0.5")

        let table = try runTCPDoctor(["capture", "--connections", path])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.hasSuffix("tunnel") == true, "\(table.stdout)")
        #expect(lines.contains { $0.contains("10.0.0.5:43210") && $0.hasSuffix("vxlan") }, "\(table.stdout)")
    }
}
