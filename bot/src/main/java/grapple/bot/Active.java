package grapple.bot;

import grapple.state.Connection;

/** A connection in effect: what is stored, its kind, its parsed config, and its live object. */
public record Active(
    Connection connection, ConnectionKind<?> kind, Object config, LiveConnection live) {
  public String id() {
    return connection.id();
  }

  public String roomId() {
    return connection.roomId();
  }

  public String stateKey() {
    return connection.stateKey();
  }
}
