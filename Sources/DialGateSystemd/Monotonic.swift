#if canImport(Glibc)
import Glibc
#endif

/// The CLOCK_MONOTONIC clock, in the unit systemd's protocols speak.
///
/// `RELOADING=1` needs `MONOTONIC_USEC=` from the same clock systemd uses, so a reload's start
/// can be ordered against systemd's own timestamps; wall-clock time would jump with NTP.
public enum Monotonic {
    /// Microseconds since an arbitrary fixed point (boot, on Linux); never goes backwards.
    public static func nowMicroseconds() -> UInt64 {
        var now = timespec()
        // CLOCK_MONOTONIC cannot fail with a valid timespec pointer.
        _ = clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
