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
   * Held by a transaction that adds to the outbox, so rows become visible in the order of their
   * seq.
   */
  static final long OUTBOX_ORDER = 0x47524150_00000003L;

  /** Held by a transaction that adds to the change log, for the same reason. */
  static final long CHANGE_ORDER = 0x47524150_00000004L;
}
