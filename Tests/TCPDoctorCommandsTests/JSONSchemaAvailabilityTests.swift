import Foundation
import Testing

/// Where the schema check is required (`.ci/run` sets TCPDOCTOR_REQUIRE_JSONSCHEMA), a missing
/// jsonschema module is a failure, not a silent skip.
struct JSONSchemaAvailabilityTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TCPDOCTOR_REQUIRE_JSONSCHEMA"] == "1"))
    func schemaCheckRunsWhereRequired() {
        #expect(SchemaCheck.isAvailable, "python3 cannot import jsonschema: apt-get install python3-jsonschema")
    }
}
