package grapple.bot.gitea;

import java.util.Optional;

/** Who on Matrix a Gitea account of one instance belongs to (CONTRACT §9, mentions). */
interface Mentions {
  /** Nobody is linked. */
  Mentions NONE = login -> Optional.empty();

  /** The Matrix user id linked to {@code login} (Gitea logins ignore case), if any. */
  Optional<String> matrixUserFor(String login);
}
