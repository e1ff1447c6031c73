package grapple.bot;

import grapple.state.Connection;
import java.util.Optional;

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

  /** The prefix its own commands answer on in its room, if its kind has such commands. */
  public Optional<String> commandPrefix() {
    return commandPrefix(kind, config);
  }

  @SuppressWarnings("unchecked") // config is what kind parsed: a C
  private static <C> Optional<String> commandPrefix(ConnectionKind<C> kind, Object config) {
    return kind.commandPrefix((C) config);
  }
}
