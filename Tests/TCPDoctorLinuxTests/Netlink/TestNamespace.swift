import Foundation
import Glibc
import TCPDoctorTestSupport

@testable import TCPDoctorLinux

extension TestNamespace {
    /// Runs `body` on a thread inside the namespace; sockets it creates live there.
    func inside<Result>(_ body: () throws -> Result) throws -> Result {
        let file = try NetworkNamespaceFile(path: path)
        let outcome = try file.withThreadInside { () -> Swift.Result<Result, any Error> in
            Swift.Result { try body() }
        }
        return try outcome.get()
    }
}
