package grapple.state;

/** Connections for the state tests. */
final class TestConnections {
  static final String HOOK_EVENT = "uk.half-shot.matrix-hookshot.generic.hook";

  private TestConnections() {}

  /** A generic webhook called {@code name} in {@code room}, its config naming it. */
  static Connection webhook(String room, String name, Connection.Audit by) {
    return Connection.create(
        room, "webhook", HOOK_EVENT, name, Json.object().put("name", name), by);
  }
}
