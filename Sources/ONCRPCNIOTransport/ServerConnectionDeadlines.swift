import NIOCore

/// The deadlines of one server stream connection (see ``RPCServerStreamHandler``): it is closed
/// when a record takes longer than `recordTimeout` to arrive, or when for `idleTimeout` nothing
/// has been received and no call has been in flight.
///
/// There is no timer per call, only two checks: one for idleness, run again from the last
/// activity each time it finds the connection busy or recently used, and one scheduled only
/// while a read has ended inside a record. The handler owns the timers; this says when they are
/// to fire and what a check finds.
struct ServerConnectionDeadlines {
    let idleTimeout: TimeAmount?
    let recordTimeout: TimeAmount?
    /// When the last read came or the last call finished (idleness counts from then).
    private(set) var lastActivity: NIODeadline
    /// When the record now arriving began, while a read has ended inside one.
    private var recordStart: NIODeadline?
    private var idleClockStarted = false
    private var recordCheckScheduled = false

    init(idleTimeout: TimeAmount?, recordTimeout: TimeAmount?, now: NIODeadline) {
        self.idleTimeout = idleTimeout
        self.recordTimeout = recordTimeout
        self.lastActivity = now
    }

    /// The connection became active: when the first idle check is due, once per connection.
    mutating func connectionActive(now: NIODeadline) -> NIODeadline? {
        guard !idleClockStarted, let idleTimeout else { return nil }
        idleClockStarted = true
        lastActivity = now
        return now + idleTimeout
    }

    /// A call finished, or bytes came.
    mutating func activity(at now: NIODeadline) {
        lastActivity = now
    }

    /// Bytes were read at `now`; `completedRecord` says whether they ended a record, and
    /// `wasMidRecord` and `isMidRecord` whether a record was unfinished before and after.
    /// Returns when a record check is to be scheduled, if one is.
    mutating func bytesRead(
        at now: NIODeadline, wasMidRecord: Bool, completedRecord: Bool, isMidRecord: Bool
    ) -> NIODeadline? {
        lastActivity = now
        guard isMidRecord else {
            recordStart = nil
            return nil
        }
        // A record that began in this read (after one it completed, or after a boundary)
        // starts its clock now; one continued from the read before keeps its start.
        if completedRecord || !wasMidRecord || recordStart == nil {
            recordStart = now
        }
        guard !recordCheckScheduled, let recordTimeout, let recordStart else { return nil }
        recordCheckScheduled = true
        return recordStart + recordTimeout
    }

    enum CheckResult: Equatable {
        /// Close the connection.
        case close
        /// Check again then.
        case checkAgain(at: NIODeadline)
        /// Nothing more to check.
        case none
    }

    /// The idle check fired at `now`; `busy` says whether a record is arriving or calls are in
    /// flight (then idleness counts from now).
    mutating func idleCheck(now: NIODeadline, busy: Bool) -> CheckResult {
        guard let idleTimeout else { return .none }
        if busy {
            lastActivity = now
        }
        if now - lastActivity >= idleTimeout {
            return .close
        }
        return .checkAgain(at: lastActivity + idleTimeout)
    }

    /// The record check fired at `now`; `isMidRecord` says whether a record is still arriving.
    mutating func recordCheck(now: NIODeadline, isMidRecord: Bool) -> CheckResult {
        recordCheckScheduled = false
        guard let recordTimeout, let recordStart, isMidRecord else { return .none }
        if now - recordStart >= recordTimeout {
            return .close
        }
        recordCheckScheduled = true
        return .checkAgain(at: recordStart + recordTimeout)
    }
}
