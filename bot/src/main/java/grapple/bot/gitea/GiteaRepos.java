package grapple.bot.gitea;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.LiveConnection;
import grapple.bot.forge.Followed;
import grapple.bot.forge.ForgeKind;
import grapple.bot.forge.ForgeThreads;
import grapple.state.Connection;
import java.util.List;
import java.util.Optional;

/**
 * The {@code GiteaRepo} connection kind: a room following one repository of a Gitea or Forgejo
 * instance (state {@code org.grapple.gitea.repository}, key {@code <instance>/<owner>/<repo>}). The
 * one who asks for a new one must have push permission on it with their linked account.
 */
final class GiteaRepos extends ForgeKind<GiteaRepoConfig> {
  /** The type's name in the APIs ({@code type} of a connection). */
  static final String TYPE = "GiteaRepo";

  static final String EVENT_TYPE = "org.grapple.gitea.repository";

  private final GiteaParts parts;
  private final RepoCommands commands;
  private final ForgeThreads threads;

  /** {@code threads}: where Gitea is asked after a removal ({@link #removedBy}). */
  GiteaRepos(GiteaParts parts, RepoCommands commands, ForgeThreads threads) {
    super(TYPE, GiteaService.NAME, EVENT_TYPE, List.of());
    this.parts = parts;
    this.commands = commands;
    this.threads = threads;
  }

  /** Gitea's state is Grapple's own, with no older forms: both readings are the same. */
  @Override
  protected GiteaRepoConfig read(String stateKey, ObjectNode content, boolean strict) {
    GiteaRepoConfig config = GiteaRepoConfig.parse(content);
    parts.settings().instance(config.instance(), "instance");
    checkStateKey(config.stateKey(), stateKey, "instance/owner/repo");
    return config;
  }

  @Override
  public String stateKeyFor(ObjectNode content) {
    return GiteaRepoConfig.parse(content).stateKey();
  }

  @Override
  public void checkNew(String stateKey, GiteaRepoConfig config, String userId) {
    RepoAccess.requirePush(parts, config, userId);
  }

  @Override
  public LiveConnection open(Connection connection, GiteaRepoConfig config, boolean created) {
    return new Followed(
        Followed.summary(config.instance() + "/" + config.fullName(), config.commandPrefix()),
        commands.answers(connection, config));
  }

  /**
   * Deletes the webhook the bot added once no room follows the repository, with {@code userId}'s
   * linked account, as {@code gitea remove} does: on the service's chores thread, as Gitea is
   * asked.
   */
  @Override
  public void removedBy(Active removed, String userId) {
    GiteaRepoConfig config = (GiteaRepoConfig) removed.config();
    threads.soon(
        "deleting the webhook of " + config.stateKey(),
        () ->
            new RepoHooks(parts)
                .removedBy(
                    new RepoUrl(
                        config.instance(),
                        parts.settings().instance(config.instance(), "instance"),
                        config.owner(),
                        config.repo()),
                    userId,
                    () -> followedAnywhere(config.stateKey())));
  }

  /**
   * The connections following {@code key} ({@code instance/owner/repo}, any case) in rooms the bot
   * is in.
   */
  List<Active> following(String key) {
    return following(parts.context(), keyed(key));
  }

  /**
   * The instance on which the rooms following {@code fullName} ({@code owner/repo}, any case)
   * follow it, when that is one instance; empty when no room follows it or rooms follow it on
   * several.
   */
  Optional<String> onlyInstanceFollowing(String fullName) {
    return onlyInstance(
        parts.context(),
        a -> ((GiteaRepoConfig) a.config()).fullName().equalsIgnoreCase(fullName),
        a -> ((GiteaRepoConfig) a.config()).instance());
  }

  /** Whether a room follows {@code key}, counting rooms the bot is no longer in. */
  boolean followedAnywhere(String key) {
    return followedAnywhere(parts.context(), keyed(key));
  }
}
