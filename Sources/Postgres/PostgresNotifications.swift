import Logging
import NIOPosix
import Synchronization
import Timing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An event from `postgresNotifications`.
public enum PostgresNotificationEvent: Sendable, Equatable {
    /// A NOTIFY on one of the channels.
    case notification(channel: String, payload: String)
    /// The listener lost its session (or could not open one) and is listening again; notifications
    /// sent meanwhile are lost, so consumers should re-read durable state.
    case reconnected
}

/// LISTEN on a dedicated connection; yields notifications; on connection loss it reconnects (with a
/// capped backoff) and yields `.reconnected`. Ends when the consuming task is cancelled.
public func postgresNotifications(
    configuration: PostgresConfiguration, channels: [String], logger: Logger
) -> AsyncStream<PostgresNotificationEvent> {
    postgresNotifications(
        configuration: configuration, channels: channels, logger: logger, backoff: Backoff(base: .milliseconds(100), max: .seconds(5)))
}

/// Same as above with an explicit reconnect backoff (delay per consecutive failed attempt).
public func postgresNotifications(
    configuration: PostgresConfiguration, channels: [String], logger: Logger, backoff: Backoff
) -> AsyncStream<PostgresNotificationEvent> {
    let (stream, continuation) = AsyncStream.makeStream(of: PostgresNotificationEvent.self)
    let listener = NotificationListener(
        configuration: configuration, channels: channels, logger: logger, backoff: backoff, output: continuation)
    continuation.onTermination = { _ in listener.stop() }
    listener.start()
    return stream
}

/// Runs the LISTEN loop on its own thread: poll() on the socket, so no cooperative thread ever blocks.
final class NotificationListener: Sendable {
    private let configuration: PostgresConfiguration
    private let channels: [String]
    private let logger: Logger
    private let backoff: Backoff
    private let output: AsyncStream<PostgresNotificationEvent>.Continuation
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let isStopped = Mutex(false)
    /// How often the loop wakes to notice `stop()`.
    private static let pollSliceMilliseconds: Int32 = 100

    init(
        configuration: PostgresConfiguration, channels: [String], logger: Logger, backoff: Backoff,
        output: AsyncStream<PostgresNotificationEvent>.Continuation
    ) {
        self.configuration = configuration
        self.channels = channels
        self.logger = logger
        self.backoff = backoff
        self.output = output
    }

    func start() {
        thread.start()
        thread.submit { _ in
            self.run()
            self.output.finish()
            self.thread.shutdownGracefully { _ in }
        }
    }

    func stop() {
        isStopped.withLock { $0 = true }
    }

    private var shouldStop: Bool { isStopped.withLock { $0 } }

    private func run() {
        var failedAttempts = 0
        var mustAnnounceReconnect = false
        while !shouldStop {
            let connection: LibPQConnection
            do {
                connection = try LibPQConnection.connect(configuration)
                try connection.execute(listenSQL)
            } catch {
                failedAttempts += 1
                mustAnnounceReconnect = true
                let delay = backoff.delay(attempt: failedAttempts)
                logger.warning(
                    "LISTEN connection failed; retrying",
                    metadata: ["error": "\(error)", "retryIn": "\(delay)", "attempt": "\(failedAttempts)"])
                sleepUnlessStopped(delay)
                continue
            }
            failedAttempts = 0
            logger.debug("listening", metadata: ["channels": "\(channels)"])
            if mustAnnounceReconnect { output.yield(.reconnected) }
            mustAnnounceReconnect = true
            forwardNotifications(from: connection)
            connection.close()
        }
    }

    /// Yields notifications until the session fails or the listener is stopped.
    private func forwardNotifications(from connection: LibPQConnection) {
        while !shouldStop {
            do {
                guard try connection.waitForInput(milliseconds: Self.pollSliceMilliseconds) else { continue }
                for notification in try connection.receiveNotifications() {
                    output.yield(.notification(channel: notification.channel, payload: notification.payload))
                }
            } catch {
                logger.warning("LISTEN connection lost; reconnecting", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    private var listenSQL: String {
        channels.map { "LISTEN \(quotedIdentifier($0))" }.joined(separator: "; ")
    }

    private func sleepUnlessStopped(_ delay: Duration) {
        var remaining = delay.milliseconds
        while remaining > 0 && !shouldStop {
            let slice = min(remaining, Int64(Self.pollSliceMilliseconds))
            usleep(UInt32(slice * 1000))
            remaining -= slice
        }
    }
}

/// Double-quotes an SQL identifier so any channel name is taken literally.
func quotedIdentifier(_ name: String) -> String {
    var quoted = "\""
    for character in name {
        if character == "\"" { quoted.append("\"") }
        quoted.append(character)
    }
    return quoted + "\""
}
