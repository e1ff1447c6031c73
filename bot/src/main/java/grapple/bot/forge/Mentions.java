package grapple.bot.forge;

import java.util.Optional;

/** Who on Matrix a forge account belongs to: the linked accounts (CONTRACT §9, mentions). */
public interface Mentions {
  /** Nobody is linked. */
  Mentions NONE = login -> Optional.empty();

  /** The Matrix user id linked to {@code login} (as the forge compares logins), if any. */
  Optional<String> matrixUserFor(String login);
}
