/// A forking server's per-connection child (`fork-shared`), written correctly.
///
/// It answers the request on the fd it inherited, reads until the client closes, closes its
/// copy, and says so on its standard output (the server's pipe). Whether the connection then
/// ends is up to the server: if the server kept its own copy, the socket stays in CLOSE_WAIT.
struct LabHandlerRole {
    let spec: LabRoleSpec
    let context: RoleContext

    func run() throws {
        guard let fd = spec.inheritedFD else { throw LabError(.badRoleArguments, "a handler needs fd=N") }
        if try context.receive(fd, exactly: LabWire.request.count) == LabWire.request.count {
            try LabSystem.send(fd, LabWire.response)
        }
        try context.readToEOF(fd)
        LabSystem.close(fd)
        context.report("closed")
    }
}
