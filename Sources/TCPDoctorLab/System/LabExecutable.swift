/// The executable that role processes run: `tcpdoctor` itself, re-executed.
///
/// Roles are separate processes, not forks: fork() of a multithreaded Swift process may leave
/// the child with locks held by threads that no longer exist, so the lab spawns a fresh
/// `tcpdoctor lab _role ...` instead.
public enum LabExecutable {
    /// The running executable (`/proc/self/exe`).
    ///
    /// - Throws: `LabError.Code.systemCall` when /proc is not mounted.
    public static func current() throws(LabError) -> String {
        try LabSystem.readLink("/proc/self/exe")
    }
}
