package grapple.bot.github;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.Active;
import grapple.bot.LiveConnection;
import grapple.bot.forge.Followed;
import grapple.bot.forge.ForgeKind;
import grapple.state.Connection;
import java.util.List;
import java.util.Locale;

/**
 * The {@code GithubRepo} connection kind: a room following one repository's events (hookshot's
 * state, CONTRACT §10). A new connection gets {@code github.defaultOptions} under its content, and
 * the one who asks for it must have push access to the repository with their linked account.
 */
final class GithubRepos extends ForgeKind<GithubRepoConfig> {
  /** The type's name in the APIs ({@code type} of a connection). */
  static final String TYPE = "GithubRepo";

  static final String EVENT_TYPE = "uk.half-shot.matrix-hookshot.github.repository";
  static final String LEGACY_EVENT_TYPE = "uk.half-shot.matrix-github.repository";

  private final GithubParts parts;
  private final RepoCommands commands;

  GithubRepos(GithubParts parts, RepoCommands commands) {
    super(TYPE, GithubService.NAME, EVENT_TYPE, List.of(LEGACY_EVENT_TYPE));
    this.parts = parts;
    this.commands = commands;
  }

  @Override
  protected GithubRepoConfig read(String stateKey, ObjectNode content, boolean strict) {
    GithubRepoConfig config = GithubRepoConfig.parse(content, strict);
    if (!strict && isApiUrlOf(config, stateKey)) return config;
    checkStateKey(config.stateKey(), stateKey, "org/repo");
    return config;
  }

  /**
   * True if {@code stateKey} is GitHub's API URL of the repo ({@code
   * https://api.github.com/repos/<org>/<repo>}, or a GitHub Enterprise server's {@code
   * …/api/v3/repos/…}): hookshot keyed the state of a room it made for a repo's alias ({@code
   * #github_<org>_<repo>:<server>}) so, and such rooms are read as room state in effect.
   */
  static boolean isApiUrlOf(GithubRepoConfig config, String stateKey) {
    String key = stateKey.toLowerCase(Locale.ROOT);
    String suffix = "/repos/" + config.stateKey();
    if (!key.endsWith(suffix) || !(key.startsWith("https://") || key.startsWith("http://")))
      return false;
    String host = key.substring(key.indexOf("://") + 3, key.length() - suffix.length());
    return !host.isEmpty() && (host.indexOf('/') < 0 || host.endsWith("/api/v3"));
  }

  @Override
  public ObjectNode contentForNew(ObjectNode content) {
    return GithubRepoConfig.withDefaults(parts.settings().defaultOptions(), content);
  }

  @Override
  public String stateKeyFor(ObjectNode content) {
    return GithubRepoConfig.parse(contentForNew(content), true).stateKey();
  }

  @Override
  public void checkNew(String stateKey, GithubRepoConfig config, String userId) {
    RepoAccess.requirePushAccess(parts, config.org(), config.repo(), userId);
  }

  @Override
  public LiveConnection open(Connection connection, GithubRepoConfig config, boolean created) {
    return new Followed(
        Followed.summary(config.org() + "/" + config.repo(), config.commandPrefix()),
        commands.answers(connection, config));
  }

  /**
   * The connections following {@code fullName} ({@code org/repo}, any case) in rooms the bot is in,
   * found by the repo their content names (the state key may be the repo's API URL, see {@link
   * #isApiUrlOf}).
   */
  List<Active> following(String fullName) {
    String wanted = fullName.toLowerCase(Locale.ROOT);
    return following(
        parts.context(), a -> ((GithubRepoConfig) a.config()).stateKey().equals(wanted));
  }
}
