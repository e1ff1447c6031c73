package grapple.bot;

import grapple.commands.Markdown;

/** What the bot says in a room about changes to its connections made there by hand. */
final class Notices {
  private Notices() {}

  /** Room state for a connection that does not validate: nothing changed, and why. */
  static String invalid(ConnectionKind<?> kind, String stateKey, String reason) {
    return kind.name()
        + " "
        + Markdown.code(stateKey)
        + ": "
        + reason
        + (reason.endsWith(".") ? "" : ".")
        + " The connection was not changed.";
  }

  /** Room state from someone without the permission: it was put back. */
  static String restored(String sender, ConnectionKind<?> kind, String stateKey) {
    return Markdown.code(sender)
        + " may not change "
        + kind.service()
        + " connections here (that needs the"
        + " manageConnections permission in Grapple's config), so I restored "
        + kind.name()
        + " "
        + Markdown.code(stateKey)
        + " to what it was.";
  }
}
