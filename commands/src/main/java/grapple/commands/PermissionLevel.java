package grapple.commands;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What an actor may do with a service, lowest first (CONTRACT §4). */
public enum PermissionLevel {
  COMMANDS("commands"),
  LOGIN("login"),
  NOTIFICATIONS("notifications"),
  MANAGE_CONNECTIONS("manageConnections"),
  ADMIN("admin");

  private final String wire;

  PermissionLevel(String wire) {
    this.wire = wire;
  }

  /** The name used in config and in messages, e.g. {@code manageConnections}. */
  public String wire() {
    return wire;
  }

  public boolean includes(PermissionLevel other) {
    return compareTo(other) >= 0;
  }

  /**
   * Parses a config value case-insensitively; throws IllegalArgumentException naming the choices.
   */
  public static PermissionLevel parse(String value) {
    for (PermissionLevel level : values()) {
      if (level.wire.equalsIgnoreCase(value)) return level;
    }
    throw new IllegalArgumentException("must be one of " + choices() + ", was '" + value + "'");
  }

  public static String choices() {
    return Arrays.stream(values()).map(PermissionLevel::wire).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return wire;
  }
}
