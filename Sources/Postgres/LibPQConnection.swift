import CLibPQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One statement of `LibPQConnection.pipeline`: text parameters, nil is SQL NULL; `prepared` as in
/// `query(_:_:prepared:)`.
public struct PipelinedStatement: Sendable {
    public var sql: String
    public var parameters: [String?]
    public var prepared: Bool

    public init(_ sql: String, _ parameters: [String?] = [], prepared: Bool = false) {
        self.sql = sql
        self.parameters = parameters
        self.prepared = prepared
    }
}

/// The only owner of libpq session pointers (`PGconn*`, `PGresult*`, `PGcancel*`).
///
/// Every method except `requestCancel()` must be called by one thread at a time: the pool lends an
/// instance to a single borrower, which is why `@unchecked Sendable` is sound here. Methods that
/// talk to the server block, so callers run them on dedicated threads, never the cooperative pool.
final class LibPQConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Created once at connect time so a cancel can be sent from another thread while a query runs.
    private let cancelHandle: OpaquePointer?
    private var isFinished = false
    /// Set when the server announced it is ending this session (a FATAL message while idle, e.g.
    /// after `pg_terminate_backend`), possibly before the socket itself is closed.
    private var serverEndedSession = false
    /// Statements prepared in this session, by their SQL.
    private var preparedStatements: [String: PreparedStatement] = [:]

    private struct PreparedStatement {
        let name: String
        /// The result's columns, read from the first result: a prepared statement's result columns
        /// cannot change within a session (the server refuses to run it when they would), and building
        /// the names and their index for every result cost allocations on every batch of reads.
        var layout: ColumnLayout?
    }

    private init(handle: OpaquePointer) {
        self.handle = handle
        self.cancelHandle = PQgetCancel(handle)
        // Notices would otherwise go to stderr. A FATAL one (what a terminated backend sends while the
        // session is idle) marks the session dead. Called only inside libpq calls on this object.
        PQsetNoticeReceiver(handle, { context, result in
            guard let context, let result,
                let severity = PQresultErrorField(result, Int32(UInt8(ascii: "V"))),
                String(cString: severity) == "FATAL" || String(cString: severity) == "PANIC"
            else { return }
            Unmanaged<LibPQConnection>.fromOpaque(context).takeUnretainedValue().serverEndedSession = true
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        close()
        if let cancelHandle { PQfreeCancel(cancelHandle) }
    }

    /// Opens a session and applies the session settings. Blocks up to `connect_timeout`.
    static func connect(_ configuration: PostgresConfiguration) throws -> LibPQConnection {
        // Our defaults come before `dbname` (which expands the whole string) so the string can override them.
        let parameters = [
            ("connect_timeout", String(configuration.connectTimeoutSeconds)),
            ("application_name", configuration.applicationName),
            ("dbname", configuration.connectionString),
        ]
        let keywords = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordList: [UnsafePointer<CChar>?] = keywords.map { $0.map { UnsafePointer($0) } } + [nil]
        let valueList: [UnsafePointer<CChar>?] = values.map { $0.map { UnsafePointer($0) } } + [nil]
        guard let handle = PQconnectdbParams(keywordList, valueList, 1) else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
        }
        let connection = LibPQConnection(handle: handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = connection.lastErrorMessage
            throw PostgresError(kind: .connection, message: "could not connect: \(message)")
        }
        try connection.execute(configuration.sessionSetupSQL)
        return connection
    }

    /// Runs one statement with text parameters (extended protocol; nil is SQL NULL). With `prepared`,
    /// the statement is parsed and planned once per session and then only executed.
    func query(_ sql: String, _ parameters: [String?], prepared: Bool = false) throws -> PostgresResult {
        try ensureOpen()
        return try Self.withCStrings(parameters) { pointers in
            guard prepared else {
                return try consume(PQexecParams(handle, sql, Int32(pointers.count), nil, pointers, nil, nil, 0))
            }
            let statement = try prepare(sql, parameterCount: pointers.count)
            let result = try consume(
                PQexecPrepared(handle, statement.name, Int32(pointers.count), pointers, nil, nil, 0), layout: statement.layout)
            if statement.layout == nil { preparedStatements[sql]?.layout = result.layout }
            return result
        }
    }

    /// `values` as C strings (nil stays NULL) for the duration of `body`.
    private static func withCStrings<T>(_ values: [String?], _ body: ([UnsafePointer<CChar>?]) throws -> T) rethrows -> T {
        let copies = values.map { value in value.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        return try body(copies.map { $0.map { UnsafePointer($0) } })
    }

    /// The name of the session's next prepared statement, `pending` more being prepared already.
    private func nextStatementName(pending: Int = 0) -> String {
        "hf_\(preparedStatements.count + pending + 1)"
    }

    /// Runs `statements` in order in one round trip (libpq pipeline mode: every statement is sent,
    /// then one Sync, then every result is read), and returns their results. The server runs them one
    /// after another exactly as if they were sent apart; the first that fails makes the server skip
    /// the rest (they report "aborted"), and its error is thrown once every result up to the Sync is
    /// read, leaving the session ready for the next command (inside a transaction, a failed one).
    /// The session stays in blocking mode, which is safe as long as what the server answers while the
    /// client is still sending (the results of the statements before the last) stays far below the
    /// sockets' buffers: otherwise both sides would wait to write. Large results belong last, large
    /// parameters first (the store's pipelines: a lock and status rows; a write and COMMIT).
    func pipeline(_ statements: [PipelinedStatement]) throws -> [PostgresResult] {
        try ensureOpen()
        guard PQenterPipelineMode(handle) == 1 else { throw connectionLost("could not enter pipeline mode: \(lastErrorMessage)") }
        // What each result read back belongs to, in the order sent.
        enum Expected {
            case prepare(sql: String, statement: PreparedStatement)
            case statement(index: Int, prepared: Bool)
        }
        var expected: [Expected] = []
        var sendFailure: PostgresError?
        // Prepared in this pipeline, recorded once the server confirms.
        var preparing: [String: PreparedStatement] = [:]
        send: for (index, statement) in statements.enumerated() {
            let count = Int32(statement.parameters.count)
            var prepared: PreparedStatement?
            if statement.prepared {
                if let existing = preparedStatements[statement.sql] ?? preparing[statement.sql] {
                    prepared = existing
                } else {
                    let fresh = PreparedStatement(name: nextStatementName(pending: preparing.count))
                    guard PQsendPrepare(handle, fresh.name, statement.sql, count, nil) == 1 else {
                        sendFailure = connectionLost(lastErrorMessage)
                        break send
                    }
                    preparing[statement.sql] = fresh
                    expected.append(.prepare(sql: statement.sql, statement: fresh))
                    prepared = fresh
                }
            }
            let sent = Self.withCStrings(statement.parameters) { pointers in
                if let prepared { return PQsendQueryPrepared(handle, prepared.name, count, pointers, nil, nil, 0) }
                return PQsendQueryParams(handle, statement.sql, count, nil, pointers, nil, nil, 0)
            }
            guard sent == 1 else {
                sendFailure = connectionLost(lastErrorMessage)
                break send
            }
            expected.append(.statement(index: index, prepared: statement.prepared))
        }
        if sendFailure == nil, PQpipelineSync(handle) != 1 { sendFailure = connectionLost(lastErrorMessage) }
        if let sendFailure {
            // Nothing reached the server in a usable state: the session is not reused.
            close()
            throw sendFailure
        }
        var results = [PostgresResult?](repeating: nil, count: statements.count)
        var firstError: PostgresError?
        for item in expected {
            // One statement's result, then NULL.
            guard let result = PQgetResult(handle) else { throw abandon(lastErrorMessage) }
            while let extra = PQgetResult(handle) { PQclear(extra) }
            let status = PQresultStatus(result)
            switch item {
            case .prepare(let sql, let statement):
                if status == PGRES_COMMAND_OK { preparedStatements[sql] = statement }
                if status == PGRES_PIPELINE_ABORTED {
                    PQclear(result)
                } else {
                    do { _ = try consume(result) } catch let error as PostgresError { firstError = firstError ?? error }
                }
            case .statement(let index, let prepared):
                if status == PGRES_PIPELINE_ABORTED {
                    PQclear(result)
                    continue
                }
                do {
                    let sql = statements[index].sql
                    let layout = prepared ? preparedStatements[sql]?.layout : nil
                    let read = try consume(result, layout: layout)
                    if prepared, layout == nil { preparedStatements[sql]?.layout = read.layout }
                    results[index] = read
                } catch let error as PostgresError {
                    firstError = firstError ?? error
                }
            }
        }
        // The Sync's result ends the pipeline.
        guard let sync = PQgetResult(handle) else { throw abandon(lastErrorMessage) }
        let syncStatus = PQresultStatus(sync)
        PQclear(sync)
        guard syncStatus == PGRES_PIPELINE_SYNC, PQexitPipelineMode(handle) == 1 else {
            throw abandon("pipeline ended out of step: \(lastErrorMessage)")
        }
        if let firstError { throw firstError }
        return results.map { $0 ?? PostgresResult(layout: ColumnLayout(names: []), rowValues: [], affectedRows: 0) }
    }

    /// The session's statement for `sql`, prepared on first use.
    private func prepare(_ sql: String, parameterCount: Int) throws -> PreparedStatement {
        if let statement = preparedStatements[sql] { return statement }
        let statement = PreparedStatement(name: nextStatementName())
        _ = try consume(PQprepare(handle, statement.name, sql, Int32(parameterCount), nil))
        preparedStatements[sql] = statement
        return statement
    }

    /// Runs one or more statements without parameters (simple protocol).
    func execute(_ sql: String) throws {
        try ensureOpen()
        _ = try consume(PQexec(handle, sql))
    }

    /// `BEGIN`, and in the same message (so in the same round trip) `set_config(name, value, true)` for each
    /// setting: values the transaction's statements and triggers read with `current_setting`. The values go
    /// as literals escaped by libpq for this session's encoding and quoting rules.
    func begin(settingLocally settings: [(name: String, value: String)]) throws {
        guard !settings.isEmpty else { return try execute("BEGIN") }
        var sql = "BEGIN; SELECT "
        for (index, setting) in settings.enumerated() {
            if index > 0 { sql += ", " }
            sql += "set_config(\(try literal(setting.name)), \(try literal(setting.value)), true)"
        }
        try execute(sql)
    }

    /// `text` as an SQL string literal (quotes included), escaped by libpq.
    private func literal(_ text: String) throws -> String {
        try ensureOpen()
        guard let escaped = PQescapeLiteral(handle, text, text.utf8.count) else {
            throw PostgresError(kind: .server, message: "a value could not be escaped: \(lastErrorMessage)")
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    /// True while the session is usable.
    var isHealthy: Bool { !isFinished && PQstatus(handle) == CONNECTION_OK }

    /// True when no transaction is open (safe to lend to the next borrower).
    var isOutsideTransaction: Bool { !isFinished && PQtransactionStatus(handle) == PQTRANS_IDLE }

    /// Whether the pool may lend this session again: open, healthy and with no transaction left open.
    var canBeLentAgain: Bool { isHealthy && isOutsideTransaction }

    /// True inside a transaction that an earlier statement aborted (COMMIT would silently roll back).
    var isInFailedTransaction: Bool { !isFinished && PQtransactionStatus(handle) == PQTRANS_INERROR }

    /// True inside an open transaction block (healthy or failed).
    var isInTransaction: Bool {
        guard !isFinished else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// Non-blocking liveness check for an idle session: reads whatever the server sent (e.g. a
    /// termination notice after `pg_terminate_backend`) and reports whether the session survived.
    func checkIdleSessionAlive() -> Bool {
        // A terminated backend first sends an error message and then closes the socket; libpq only
        // notices the close on a later read, so keep reading while input is ready (never blocks).
        for _ in 0..<4 {
            guard isHealthy else { return false }
            guard (try? waitForInput(milliseconds: 0)) == true else { return true }
            guard PQconsumeInput(handle) != 0, !serverEndedSession else { return false }
            _ = drainNotifications()
        }
        return isHealthy && !serverEndedSession
    }

    /// Asks the server to cancel the running statement. Safe from any thread; blocks briefly
    /// (opens a separate connection), so call it from a dedicated thread.
    func requestCancel() {
        guard let cancelHandle else { return }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancelHandle, &buffer, Int32(buffer.count))
    }

    /// Closes the session (idempotent).
    func close() {
        guard !isFinished else { return }
        isFinished = true
        PQfinish(handle)
    }

    // MARK: LISTEN support

    /// Waits up to `milliseconds` for the server to send something; throws if the session is gone.
    func waitForInput(milliseconds: Int32) throws -> Bool {
        try ensureOpen()
        let socket = PQsocket(handle)
        guard socket >= 0 else { throw connectionLost("session has no socket") }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0 && errno != EINTR { throw connectionLost("poll() failed with errno \(errno)") }
        return ready > 0
    }

    /// Reads pending input and returns received notifications as (channel, payload).
    func receiveNotifications() throws -> [(channel: String, payload: String)] {
        try ensureOpen()
        guard PQconsumeInput(handle) != 0, PQstatus(handle) == CONNECTION_OK else {
            throw connectionLost(lastErrorMessage)
        }
        return drainNotifications()
    }

    private func drainNotifications() -> [(channel: String, payload: String)] {
        var received: [(channel: String, payload: String)] = []
        while let notify = PQnotifies(handle) {
            received.append((String(cString: notify.pointee.relname), String(cString: notify.pointee.extra)))
            PQfreemem(notify)
        }
        return received
    }

    // MARK: Results and errors

    private var lastErrorMessage: String {
        // After `close()` the connection, and its message, are freed.
        guard !isFinished else { return "connection already closed" }
        guard let text = PQerrorMessage(handle) else { return "unknown libpq error" }
        let message = String(cString: text).trimmingTrailingNewlines
        return message.isEmpty ? "unknown libpq error" : message
    }

    private func ensureOpen() throws {
        if isFinished { throw connectionLost("connection already closed") }
    }

    private func connectionLost(_ message: String) -> PostgresError {
        PostgresError(kind: .connection, message: message)
    }

    /// Closes the session after a protocol failure and returns the error to throw. The message is
    /// read first: it lives in the connection that `PQfinish` frees (reading it afterwards read freed
    /// memory, which showed as "out of memory" in a test whose backend was terminated).
    private func abandon(_ message: @autoclosure () -> String) -> PostgresError {
        let error = connectionLost(message())
        close()
        return error
    }

    /// Turns a `PGresult*` into rows or a `PostgresError`, and frees it; `layout`, when known, names
    /// the result's columns.
    private func consume(_ result: OpaquePointer?, layout: ColumnLayout? = nil) throws -> PostgresResult {
        guard let result else { throw connectionLost(lastErrorMessage) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(layout: ColumnLayout(names: []), rowValues: [], affectedRows: affectedRows(result))
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE:
            return readRows(result, layout: layout)
        default:
            throw error(from: result)
        }
    }

    private func affectedRows(_ result: OpaquePointer) -> Int {
        guard let text = PQcmdTuples(result) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    private func readRows(_ result: OpaquePointer, layout known: ColumnLayout?) -> PostgresResult {
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        let layout: ColumnLayout
        if let known, known.names.count == Int(columnCount) {
            layout = known
        } else {
            layout = ColumnLayout(names: (0..<columnCount).map { column in
                PQfname(result, column).map { String(cString: $0) } ?? "?column?"
            })
        }
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            rows.append((0..<columnCount).map { column in
                PQgetisnull(result, row, column) != 0 ? nil : String(cString: PQgetvalue(result, row, column))
            })
        }
        return PostgresResult(layout: layout, rowValues: rows, affectedRows: affectedRows(result))
    }

    private func error(from result: OpaquePointer) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let ascii = code.asciiValue, let value = PQresultErrorField(result, Int32(ascii)) else { return nil }
            return String(cString: value)
        }
        let fallback = PQresultErrorMessage(result).map { String(cString: $0).trimmingTrailingNewlines } ?? ""
        let message = field("M") ?? (fallback.isEmpty ? lastErrorMessage : fallback)
        // A lost session surfaces as an error result without SQLSTATE (or with 57P01 etc.).
        let kind: PostgresError.Kind = PQstatus(handle) == CONNECTION_OK ? .server : .connection
        return PostgresError(
            kind: kind, message: message, sqlState: field("C"), detail: field("D"), constraint: field("n"))
    }
}

extension String {
    /// libpq messages end in "\n"; logs read better without it.
    var trimmingTrailingNewlines: String {
        var text = Substring(self)
        while let last = text.last, last.isNewline || last == " " { text = text.dropLast() }
        return String(text)
    }
}
