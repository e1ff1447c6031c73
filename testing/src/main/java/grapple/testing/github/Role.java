package grapple.testing.github;

import java.util.Locale;

/** A person's role on a repository, weakest first, as GitHub names them. */
enum Role {
  NONE,
  READ,
  TRIAGE,
  WRITE,
  MAINTAIN,
  ADMIN;

  static Role parse(String name) {
    for (Role role : values()) {
      if (role.roleName().equals(name)) return role;
    }
    throw new IllegalArgumentException(
        "unknown role '" + name + "' (known: none, read, triage, write, maintain, admin)");
  }

  /** The role_name GitHub reports: admin, maintain, write, triage, read (or none). */
  String roleName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The legacy base permission: maintain counts as write and triage as read. */
  String permission() {
    return switch (this) {
      case ADMIN -> "admin";
      case MAINTAIN, WRITE -> "write";
      case TRIAGE, READ -> "read";
      case NONE -> "none";
    };
  }

  boolean atLeast(Role other) {
    return compareTo(other) >= 0;
  }
}
