package grapple.state;

/**
 * The PostgreSQL advisory lock keys Grapple takes; one place, so no two uses collide. Each is
 * "GRAP" (0x47524150) followed by a number.
 */
final class Locks {
  private Locks() {}

  /** Held while migrating, so instances starting together take turns. */
  static final long MIGRATION = 0x47524150_00000001L;

  /** Held by the leading instance's session for as long as it leads. */
  static final long LEADER = 0x47524150_00000002L;

  /**
   * Held by a transaction that adds to the outbox or to the change log, so rows become visible in
   * the order of their seq. One lock for both: with one each, a transaction adding to the outbox
   * then to the change log and another adding in the other order deadlocked, and PostgreSQL failed
   * one of them. (0x...04, the change log's own lock until then, is not used.)
   */
  static final long APPEND_ORDER = 0x47524150_00000003L;
}
