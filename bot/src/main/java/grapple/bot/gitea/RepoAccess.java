package grapple.bot.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.forge.ForgeException;
import grapple.commands.Markdown;
import grapple.state.BadInput;

/** Who may connect a room to a repository: a linked user with push (or admin) permission on it. */
final class RepoAccess {
  private RepoAccess() {}

  /**
   * The repository as the user's token sees it (with {@code permissions}); throws BadInput saying
   * what to do when {@code userId} may not connect it.
   */
  static JsonNode requirePush(GiteaParts parts, GiteaRepoConfig config, String userId) {
    String instance = config.instance();
    String token =
        parts
            .accounts()
            .token(instance, userId)
            .orElseThrow(() -> new BadInput("gitea", GiteaParts.notLinked(instance)));
    try {
      JsonNode repo =
          parts
              .client()
              .repo(
                  parts.settings().instance(instance, "instance"),
                  token,
                  config.owner(),
                  config.repo());
      JsonNode permissions = repo.path("permissions");
      if (!permissions.path("push").asBoolean(false)
          && !permissions.path("admin").asBoolean(false)) {
        throw new BadInput(
            "gitea",
            "You must at least have push permission to bridge this repository: Gitea says your"
                + " account may not push to "
                + Markdown.code(config.fullName())
                + ".");
      }
      return repo;
    } catch (ForgeException e) {
      throw new BadInput("gitea", GiteaParts.explain(e, instance, config.fullName()));
    }
  }
}
