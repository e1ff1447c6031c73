package grapple.bot.gitlab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.LiveConnection;
import grapple.bot.forge.Followed;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.ForgeKind;
import grapple.bot.forge.ForgeThreads;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import grapple.state.Connection;
import java.util.List;
import java.util.Optional;

/**
 * The {@code GitLabRepo} connection kind: a room following one GitLab project's events (hookshot's
 * state, CONTRACT §11). Whoever asks for a new one must have Developer access or better to the
 * project with the account they linked on its instance.
 */
final class GitlabRepos extends ForgeKind<GitlabRepoConfig> {
  /** The type's name in the APIs ({@code type} of a connection). */
  static final String TYPE = "GitLabRepo";

  static final String EVENT_TYPE = "uk.half-shot.matrix-hookshot.gitlab.repository";
  static final String LEGACY_EVENT_TYPE = "uk.half-shot.matrix-github.gitlab.repository";

  private final GitlabParts parts;
  private final ProjectCommands commands;
  private final ForgeThreads threads;

  /** {@code threads}: where GitLab is asked after a removal ({@link #removedBy}). */
  GitlabRepos(GitlabParts parts, ProjectCommands commands, ForgeThreads threads) {
    super(TYPE, GitlabService.NAME, EVENT_TYPE, List.of(LEGACY_EVENT_TYPE));
    this.parts = parts;
    this.commands = commands;
    this.threads = threads;
  }

  /**
   * Also refuses an instance that is not in the config (hookshot: "Instance name not recognised").
   */
  @Override
  protected GitlabRepoConfig read(String stateKey, ObjectNode content, boolean strict) {
    GitlabRepoConfig config = GitlabRepoConfig.parse(content, strict);
    parts.instanceUrl(config.instance());
    checkStateKey(config.stateKey(), stateKey, "<instance>/<path>");
    return config;
  }

  @Override
  public String stateKeyFor(ObjectNode content) {
    return GitlabRepoConfig.parse(content, true).stateKey();
  }

  /** Checks the instance exists and the user may bridge the project (Developer or better). */
  @Override
  public void checkNew(String stateKey, GitlabRepoConfig config, String userId) {
    requireAccess(config.instance(), config.path(), userId, GitlabClient.DEVELOPER);
  }

  /**
   * The project as the user's token sees it, when their access is at least {@code level}; BadInput
   * saying what is missing otherwise.
   */
  JsonNode requireAccess(String instance, String path, String userId, int level) {
    var url = parts.instanceUrl(instance);
    var account = parts.account(instance, userId);
    try {
      JsonNode project = parts.client().project(url, account.token(), path);
      if (GitlabClient.accessLevel(project) < level) {
        throw new BadInput(
            "gitlab",
            "You must at least have developer access to bridge this project: GitLab says "
                + Markdown.code(account.login())
                + " has access level "
                + GitlabClient.accessLevel(project)
                + " on "
                + Markdown.code(path)
                + " (Developer is 30).");
      }
      return project;
    } catch (ForgeException e) {
      throw new BadInput("gitlab", GitlabParts.explain(e, instance, path));
    }
  }

  @Override
  public LiveConnection open(Connection connection, GitlabRepoConfig config, boolean created) {
    return new Followed(
        Followed.summary(config.instance() + "/" + config.path(), config.commandPrefix()),
        commands.answers(connection, config));
  }

  /**
   * Deletes the project hook the bot added once no room follows the project, with {@code userId}'s
   * linked account, as {@code gitlab remove} does: on the service's chores thread, as GitLab is
   * asked.
   */
  @Override
  public void removedBy(Active removed, String userId) {
    threads.soon(
        "deleting the hook of " + removed.stateKey(),
        () -> new ProjectHooks(parts, this).removedBy(userId, removed));
  }

  /**
   * Whether a room other than {@code removed}'s connection follows {@code path} on {@code
   * instance}, counting rooms the bot is no longer in (invited back, their connection works again).
   */
  boolean followedElsewhere(String instance, String path, Active removed) {
    return followedAnywhere(
        parts.context(),
        keyed(GitlabRepoConfig.stateKey(instance, path)).and(a -> !a.id().equals(removed.id())));
  }

  /**
   * The instance on which the rooms following {@code path} (any case) follow it, when that is one
   * instance; empty when no room follows it or rooms follow it on several.
   */
  Optional<String> onlyInstanceFollowing(String path) {
    return onlyInstance(
        parts.context(),
        a -> ((GitlabRepoConfig) a.config()).path().equalsIgnoreCase(path),
        a -> ((GitlabRepoConfig) a.config()).instance());
  }

  /** The connections following {@code path} on {@code instance} (any case). */
  List<Active> following(String instance, String path) {
    return following(parts.context(), keyed(GitlabRepoConfig.stateKey(instance, path)));
  }
}
