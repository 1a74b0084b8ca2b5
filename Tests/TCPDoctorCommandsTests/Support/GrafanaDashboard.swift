import Foundation
import Testing

/// The queries of a Grafana dashboard file: panel targets and `label_values(METRIC, LABEL)` variables.
struct Dashboard {
    struct Variable {
        var name: String
        var metric: String
        var label: String
    }

    var schemaVersion: Int
    var queries: [String] = []
    var variables: [Variable] = []

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        schemaVersion = document["schemaVersion"] as? Int ?? 0
        let inputs = document["__inputs"] as? [[String: Any]] ?? []
        #expect(inputs.contains { $0["name"] as? String == "DS_PROMETHEUS" }, "no ${DS_PROMETHEUS} input")
        for panel in document["panels"] as? [[String: Any]] ?? [] {
            if panel["type"] as? String != "row" {
                #expect((panel["datasource"] as? [String: Any])?["uid"] as? String == "${DS_PROMETHEUS}")
            }
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                if let expr = target["expr"] as? String { queries.append(expr) }
            }
        }
        let templating = (document["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        for variable in templating {
            let definition = variable["definition"] as? String ?? ""
            guard definition.hasPrefix("label_values("), definition.hasSuffix(")"),
                let comma = definition.lastIndex(of: ",")
            else {
                throw RunError("variable \(variable["name"] ?? "?") is not label_values(METRIC, LABEL): \(definition)")
            }
            let metric = definition[definition.index(definition.startIndex, offsetBy: 13)..<comma]
            let label = definition[definition.index(after: comma)..<definition.index(before: definition.endIndex)]
            variables.append(
                Variable(
                    name: variable["name"] as? String ?? "",
                    metric: String(metric).trimmingCharacters(in: .whitespaces),
                    label: String(label).trimmingCharacters(in: .whitespaces)
                )
            )
        }
    }

    /// A query as Grafana sends it with every variable at "All" (`.*`) and a one-minute rate window.
    static func expand(_ query: String) -> String {
        query.replacingOccurrences(of: "$__rate_interval", with: "1m")
            .replacingOccurrences(of: "$instance", with: ".*")
            .replacingOccurrences(of: "$process", with: ".*")
    }
}
