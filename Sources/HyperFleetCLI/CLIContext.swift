import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command writes: standard output and error in the binary, buffers in tests.
public struct CLIOutput: Sendable {
    let writeOut: @Sendable (String) -> Void
    let writeError: @Sendable (String) -> Void

    public init(out: @escaping @Sendable (String) -> Void, error: @escaping @Sendable (String) -> Void) {
        writeOut = out
        writeError = error
    }

    public static let standard = CLIOutput(
        out: { FileHandle.standardOutput.write(Data($0.utf8)) },
        error: { FileHandle.standardError.write(Data($0.utf8)) })

    /// Writes text to standard output, adding a newline unless it ends with one.
    func print(_ text: String) {
        writeOut(text.hasSuffix("\n") ? text : text + "\n")
    }

    func printError(_ text: String) {
        writeError(text.hasSuffix("\n") ? text : text + "\n")
    }
}

/// What the client commands read from their surroundings: the output, the environment
/// (`HYPERFLEET_SERVER`, `HYPERFLEET_TOKEN`, `COLUMNS`) and the terminal's width.
public struct CLIContext: Sendable {
    public var output: CLIOutput
    public var environment: [String: String]
    /// Tables are cut to this many columns.
    public var terminalWidth: Int

    public static let defaultTerminalWidth = 120

    /// `terminalWidth` nil: `COLUMNS`, else 120.
    public init(output: CLIOutput, environment: [String: String], terminalWidth: Int? = nil) {
        self.output = output
        self.environment = environment
        self.terminalWidth = terminalWidth ?? environment["COLUMNS"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? Self.defaultTerminalWidth
    }

    /// The process's own: standard output, its environment, and the width of the terminal on standard output.
    public static var standard: CLIContext {
        let environment = ProcessInfo.processInfo.environment
        let columns = environment["COLUMNS"].flatMap(Int.init) ?? Self.standardOutputColumns()
        return CLIContext(output: .standard, environment: environment, terminalWidth: columns)
    }

    /// The context the commands run in; tests bind their own.
    @TaskLocal public static var current: CLIContext = .standard

    static func standardOutputColumns() -> Int? {
        var size = winsize()
        guard isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
