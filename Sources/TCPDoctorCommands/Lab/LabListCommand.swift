import ArgumentParser
import TCPDoctorLab
import TCPDoctorOutput

/// `tcpdoctor lab list`: the scenarios, with the doctor rule each one must trigger.
struct LabListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the lab scenarios."
    )

    @OptionGroup var output: OutputOptions

    func run() throws {
        if output.json {
            var json = JSONWriter(OutputBuffer())
            json.beginObject()
            json.key("scenarios")
            json.beginArray()
            for scenario in LabScenario.all { LabJSON.writeScenario(scenario, to: &json) }
            json.endArray()
            json.endObject()
            json.finish()
            return
        }
        var table = TextTable([.left("SCENARIO"), .left("RULE"), .left("ROOT"), .left("WHAT IT REPRODUCES")])
        for scenario in LabScenario.all {
            table.append([scenario.id, scenario.expectedRule, scenario.needsNamespace ? "yes" : "", scenario.title])
        }
        var out = OutputBuffer()
        table.write(to: &out, style: .forDescriptor(1))
        out.write("\nRun one with: tcpdoctor lab run SCENARIO [--connections N] [--hold SECONDS] [--fixed]\n")
        out.flush()
    }
}
