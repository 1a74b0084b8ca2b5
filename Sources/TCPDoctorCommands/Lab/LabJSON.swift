import TCPDoctorCore
import TCPDoctorLab
import TCPDoctorOutput

/// `lab list --json` and `lab run --json` (documented in docs/json.md). Small documents, written
/// with the same streaming writer as the large ones for one consistent style.
enum LabJSON {
    static func writeScenario(_ scenario: LabScenario, to json: inout JSONWriter) {
        json.beginObject()
        json.key("id")
        json.value(scenario.id)
        json.key("title")
        json.value(scenario.title)
        json.key("reproduces")
        json.value(scenario.reproduces)
        json.key("fix")
        json.value(scenario.fix)
        json.key("expected_rule")
        json.value(scenario.expectedRule)
        json.key("culprit")
        json.value(scenario.culprit.rawValue)
        json.key("expected_state")
        json.value(scenario.expectedState?.netstatName)
        json.key("default_connections")
        json.value(scenario.defaultConnections)
        json.key("connections_meaning")
        json.value(scenario.connectionsMeaning)
        json.key("needs_root")
        json.value(scenario.needsNamespace)
        json.key("roles")
        json.beginObject()
        for role in scenario.roles {
            json.key(dynamic: role.rawValue)
            json.value(scenario.command(of: role))
        }
        json.endObject()
        json.endObject()
    }

    static func writeRun(_ lab: RunningLab, to json: inout JSONWriter) {
        json.beginObject()
        json.key("scenario")
        json.value(lab.scenario.id)
        json.key("fixed")
        json.value(lab.fixed)
        json.key("connections")
        json.value(lab.connections)
        json.key("server_port")
        json.value(lab.serverPort)
        json.key("netns")
        if let inode = lab.netnsInode { json.value(inode) } else { json.null() }
        json.key("netns_label")
        json.value(lab.netns)
        json.key("expected_rule")
        json.value(lab.scenario.expectedRule)
        json.key("culprit")
        json.beginObject()
        json.key("role")
        json.value(lab.scenario.culprit.rawValue)
        json.key("pids")
        json.beginArray()
        for pid in lab.pids(of: lab.scenario.culprit) { json.value(pid) }
        json.endArray()
        json.endObject()
        json.key("processes")
        json.beginArray()
        for process in lab.processes {
            json.beginObject()
            json.key("role")
            json.value(process.role.rawValue)
            json.key("pid")
            json.value(process.pid)
            json.key("command")
            json.value(process.command)
            json.endObject()
        }
        json.endArray()
        json.key("counts")
        json.beginObject()
        for (key, value) in lab.counts.sorted(by: { $0.key < $1.key }) {
            json.key(dynamic: key)
            json.value(value)
        }
        json.endObject()
        json.key("expectations")
        json.beginArray()
        for expectation in lab.expectations { writeExpectation(expectation, to: &json) }
        json.endArray()
        json.key("outcome")
        json.beginArray()
        for line in lab.outcome { json.value(line) }
        json.endArray()
        json.key("inspect")
        json.beginArray()
        for command in lab.inspectCommands { json.value(command) }
        json.endArray()
        json.endObject()
        json.finish()
    }

    private static func writeExpectation(_ expectation: LabExpectation, to json: inout JSONWriter) {
        json.beginObject()
        json.key("state")
        json.value(expectation.state?.netstatName ?? "DEAD_FD")
        json.key("side")
        json.value(expectation.side.rawValue)
        json.key("holders")
        json.beginArray()
        for role in expectation.holders.map(\.rawValue).sorted() { json.value(role) }
        json.endArray()
        json.key("recv_q")
        if let recvQ = expectation.recvQ { json.value(recvQ) } else { json.null() }
        json.key("count")
        json.value(expectation.count)
        json.endObject()
    }
}
