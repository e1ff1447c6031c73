package grapple.bot.github;

import java.util.Optional;

/** Who on Matrix a GitHub account belongs to: the linked accounts (CONTRACT §9, mentions). */
interface Mentions {
  /** Nobody is linked. */
  Mentions NONE = login -> Optional.empty();

  /** The Matrix user id linked to {@code githubLogin} (GitHub logins ignore case), if any. */
  Optional<String> matrixUserFor(String githubLogin);
}
